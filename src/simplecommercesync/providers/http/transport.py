"""An httpx transport that reports network trouble as our `Unreachable` error, so every caller of
HubSpot or QuickBooks handles one typed failure instead of httpx's dozen."""

from __future__ import annotations

import httpx

from simplecommercesync.providers.http.errors import Unreachable


class ProviderTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = super().handle_request(request)
            # Read the body here so a connection dropped mid-body is caught too.
            response.read()
            return response
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Unreachable(f"Could not reach {request.url.host} ({type(exc).__name__})") from exc
        except httpx.TimeoutException as exc:
            # The request was sent; the provider may have acted on it before we gave up.
            raise Unreachable(f"{request.url.host} did not answer in time", maybe_processed=True) from exc
        except httpx.TransportError as exc:
            raise Unreachable(
                f"Lost the connection to {request.url.host} ({type(exc).__name__})", maybe_processed=True
            ) from exc
