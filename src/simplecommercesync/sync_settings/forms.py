"""The forms of Settings → Sync → Tax; each says exactly what to change when it refuses a value.
(Each sync type's tab has its form in its own folder, `sync/types/<type>/settings_page.py`.)"""

from __future__ import annotations

from typing import Any

from django import forms

from simplecommercesync.sync.models import ReverseUnmappedTaxBehavior, TaxMapping, UnmappedTaxBehavior
from simplecommercesync.sync_settings.tax_choices import TaxChoices


class TaxSettingsForm(forms.Form):
    mapping_enabled = forms.BooleanField(
        label="Enable Tax Mapping",
        required=False,
        help_text="Each invoice line's HubSpot tax rate becomes the QuickBooks tax code you map it to below.",
    )
    unmapped_behavior = forms.ChoiceField(
        label="Unmapped Tax Behavior", choices=UnmappedTaxBehavior.choices, widget=forms.RadioSelect
    )
    default_tax_code_id = forms.ChoiceField(
        label="Default Tax Code",
        required=False,
        help_text="Used by Use Default Tax Code for lines whose HubSpot tax rate has no mapping.",
        error_messages={"invalid_choice": "That QuickBooks tax code isn't in the cache: press Refresh Cache, then choose again."},
    )
    reverse_unmapped_behavior = forms.ChoiceField(
        label="QuickBooks → HubSpot Unmapped Tax Codes", choices=ReverseUnmappedTaxBehavior.choices,
        widget=forms.RadioSelect, initial=ReverseUnmappedTaxBehavior.NO_TAX, required=False,
        help_text="Estimates and invoices from QuickBooks: a line whose tax code no mapping names gets no HubSpot "
        "tax rate (the record notes it), or fails in Strict Mode.",
    )

    def clean_reverse_unmapped_behavior(self) -> str:
        value: str = self.cleaned_data.get("reverse_unmapped_behavior") or ReverseUnmappedTaxBehavior.NO_TAX
        return value

    def __init__(self, choices: TaxChoices, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        behavior = self.fields["unmapped_behavior"]
        assert isinstance(behavior, forms.ChoiceField)
        behavior.choices = choices.behavior_choices()
        if choices.hidden_reason:
            behavior.error_messages["invalid_choice"] = choices.hidden_reason
        default = self.fields["default_tax_code_id"]
        assert isinstance(default, forms.ChoiceField)
        default.choices = [("", "— choose a QuickBooks tax code —"), *choices.code_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unmapped_behavior") == UnmappedTaxBehavior.DEFAULT_CODE and not data.get("default_tax_code_id"):
            hint = "" if self.choices.codes else " (press Refresh Cache to load them first)"
            self.add_error(
                "default_tax_code_id",
                f"Choose the default QuickBooks tax code{hint}, or pick another Unmapped Tax Behavior.",
            )
        return data


class TaxMappingForm(forms.Form):
    hubspot_tax_rate_id = forms.ChoiceField(
        label="HubSpot tax rate",
        error_messages={"invalid_choice": "That HubSpot tax rate isn't in the cache: press Refresh Cache, then choose again."},
    )
    quickbooks_tax_code_id = forms.ChoiceField(
        label="QuickBooks tax code",
        error_messages={"invalid_choice": "That QuickBooks tax code isn't in the cache: press Refresh Cache, then choose again."},
    )
    active = forms.BooleanField(label="Active", required=False, initial=True,
                                help_text="Inactive mappings are kept but not used.")

    def __init__(
        self, choices: TaxChoices, workspace_id: int, *args: Any, editing: TaxMapping | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.workspace_id = workspace_id
        self.editing = editing
        rate = self.fields["hubspot_tax_rate_id"]
        code = self.fields["quickbooks_tax_code_id"]
        assert isinstance(rate, forms.ChoiceField) and isinstance(code, forms.ChoiceField)
        rate.choices = [("", "— choose a HubSpot tax rate —"), *choices.rate_choices()]
        code.choices = [("", "— choose a QuickBooks tax code —"), *choices.code_choices()]
        if editing is not None and editing.hubspot_tax_rate_id not in choices.rates_by_id:
            # A rate gone from HubSpot since the last refresh can still be edited or deleted.
            rate.choices = [*rate.choices, (editing.hubspot_tax_rate_id, f"Tax rate {editing.hubspot_tax_rate_id}")]
        if editing is not None and editing.quickbooks_tax_code_id not in dict(choices.code_choices()):
            code.choices = [*code.choices, (editing.quickbooks_tax_code_id, f"Tax code {editing.quickbooks_tax_code_id}")]

    def clean_hubspot_tax_rate_id(self) -> str:
        rate_id: str = self.cleaned_data["hubspot_tax_rate_id"]
        accounts = self.choices.accounts
        taken = TaxMapping.objects.filter(
            workspace_id=self.workspace_id, hubspot_portal_id=accounts.portal_id,
            quickbooks_realm_id=accounts.realm_id, hubspot_tax_rate_id=rate_id,
        )
        if self.editing is not None:
            taken = taken.exclude(pk=self.editing.pk)
        if taken.exists():
            raise forms.ValidationError("This HubSpot tax rate is already mapped: edit its mapping in Current Mappings.")
        return rate_id
