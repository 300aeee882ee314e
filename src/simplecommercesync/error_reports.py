"""What Django's debug page and error e-mails may show: never a provider client secret or token.

Django's own filter hides settings whose *names* look secret; ours also hides settings and frame
variables whose *values* carry one (an OAuthApp holds the client secret, a dict may hold tokens).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from simplecommercesync.config import OAuthApp


class SecretHidingFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|HUBSPOT|QUICKBOOKS|CREDENTIAL|DATABASE_URL",
        flags=re.IGNORECASE,
    )
    hidden_variables = re.compile(r"secret|token|password|credential|authorization|sealed", re.IGNORECASE)

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        if isinstance(value, OAuthApp):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if self.hidden_variables.search(str(name)) or isinstance(value, OAuthApp):
                value = self.cleansed_substitute
            elif isinstance(value, dict):
                value = self.cleanse_setting(name, value)
            cleansed.append((name, value))
        return cleansed
