"""The one module that talks to Toxiproxy's API.

It goes through toxiproxy-python's `APIConsumer` and fills that client's gaps here, in one place:
- host and port are class-level globals there, so each client gets its own `APIConsumer`
  subclass and several Toxiproxy servers can be driven from one process;
- no request has a timeout there, so every call here is time-boxed (`timeout_s`): a Toxiproxy
  that hangs must not hang a fault revert;
- only 400/404/409 raise there, so every other status outside 2xx becomes a `FaultError` here;
- `add_toxic` returns None there, so the toxic the server confirmed is parsed and returned here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from harness.errors import FaultError

DEFAULT_API_TIMEOUT_S = 2.0
TOXIC_TYPES = (
    "latency",
    "bandwidth",
    "slow_close",
    "timeout",
    "reset_peer",
    "slicer",
    "limit_data",
)


@dataclass(frozen=True)
class ProxyInfo:
    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[ToxicInfo, ...] = ()

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


@dataclass(frozen=True)
class ToxicInfo:
    """A toxic as Toxiproxy holds it; `attributes` carry units as Toxiproxy defines them."""

    name: str
    type: str
    stream: str = "downstream"
    toxicity: float = 1.0
    attributes: dict[str, Any] = field(default_factory=dict)

    def as_request(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": self.toxicity,
            "attributes": dict(self.attributes),
        }

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> ToxicInfo:
        return cls(
            name=body["name"],
            type=body["type"],
            stream=body.get("stream", "downstream"),
            toxicity=float(body.get("toxicity", 1.0)),
            attributes=dict(body.get("attributes") or {}),
        )


def _proxy_from_response(body: dict[str, Any]) -> ProxyInfo:
    return ProxyInfo(
        name=body["name"],
        listen=body["listen"],
        upstream=body["upstream"],
        enabled=bool(body.get("enabled", True)),
        toxics=tuple(ToxicInfo.from_response(t) for t in body.get("toxics") or []),
    )


class ToxiproxyClient:
    """A time-boxed client for one Toxiproxy server."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 8474, timeout_s: float = DEFAULT_API_TIMEOUT_S
    ) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        # a subclass per server: APIConsumer reads host/port from the class it is called on
        self._api = type("FirebreakAPIConsumer", (APIConsumer,), {"host": host, "port": port})

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        call = getattr(self._api, method)
        try:
            response = call(path, timeout=self.timeout_s, **kwargs)
        except ProxyExists as exc:
            raise FaultError(self._message(path, exc), status=409) from None
        except NotFound as exc:
            raise FaultError(self._message(path, exc), status=404) from None
        except InvalidToxic as exc:
            raise FaultError(self._message(path, exc), status=400) from None
        except requests.Timeout:
            raise FaultError(
                f"Toxiproxy at {self.address} did not answer `{method.upper()} {path}` "
                f"within {self.timeout_s:g} s."
            ) from None
        except requests.ConnectionError:
            raise FaultError(
                f"Toxiproxy at {self.address} refused the connection for "
                f"`{method.upper()} {path}`; is the server running?"
            ) from None
        if not 200 <= response.status_code < 300:
            raise FaultError(
                f"Toxiproxy at {self.address} answered {response.status_code} to "
                f"`{method.upper()} {path}`: {self._error_text(response)}",
                status=response.status_code,
            )
        return response

    def _message(self, path: str, exc: Exception) -> str:
        raw = exc.args[0] if exc.args else b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return f"Toxiproxy at {self.address} refused `{path}`: {text.strip()}"

    @staticmethod
    def _error_text(response: requests.Response) -> str:
        try:
            return str(response.json().get("error", response.text)).strip()
        except ValueError:
            return response.text.strip()[:200]

    # -- server -------------------------------------------------------------------------------
    def version(self) -> str:
        body = self._call("get", "/version")
        try:
            return str(body.json()["version"])
        except (ValueError, KeyError):
            return body.text.strip()

    def is_up(self) -> bool:
        try:
            self.version()
        except FaultError:
            return False
        return True

    def wait_until_up(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.version()
            except FaultError:
                if time.monotonic() >= deadline:
                    raise FaultError(
                        f"Toxiproxy at {self.address} did not come up within {timeout_s:g} s."
                    ) from None
                time.sleep(0.02)

    def reset(self) -> None:
        """Re-enable every proxy and remove every toxic."""
        self._call("post", "/reset")

    # -- proxies ------------------------------------------------------------------------------
    def proxies(self) -> dict[str, ProxyInfo]:
        body = self._call("get", "/proxies").json()
        return {name: _proxy_from_response(value) for name, value in body.items()}

    def proxy(self, name: str) -> ProxyInfo:
        return _proxy_from_response(self._call("get", f"/proxies/{name}").json())

    def create_proxy(
        self, name: str, upstream: str, listen: str = "127.0.0.1:0", enabled: bool = True
    ) -> ProxyInfo:
        """Create a proxy; with port 0 in `listen`, Toxiproxy picks a free port and says which."""
        body = {"name": name, "upstream": upstream, "listen": listen, "enabled": enabled}
        return _proxy_from_response(self._call("post", "/proxies", json=body).json())

    def delete_proxy(self, name: str, missing_ok: bool = True) -> None:
        try:
            self._call("delete", f"/proxies/{name}")
        except FaultError as exc:
            if not (missing_ok and exc.status == 404):
                raise

    def set_enabled(self, name: str, enabled: bool) -> ProxyInfo:
        """Enable or disable a proxy; disabled is the `down` fault (connections are refused)."""
        body = self._call("post", f"/proxies/{name}", json={"enabled": enabled}).json()
        return _proxy_from_response(body)

    # -- toxics -------------------------------------------------------------------------------
    def toxics(self, proxy: str) -> list[ToxicInfo]:
        body = self._call("get", f"/proxies/{proxy}/toxics").json()
        return [ToxicInfo.from_response(t) for t in body]

    def add_toxic(self, proxy: str, toxic: ToxicInfo) -> ToxicInfo:
        """Add `toxic` to `proxy`; returns the toxic as Toxiproxy confirmed it."""
        if toxic.type not in TOXIC_TYPES:
            raise FaultError(
                f"`{toxic.type}` is not a Toxiproxy toxic; expected one of "
                + ", ".join(f"`{t}`" for t in TOXIC_TYPES)
                + "."
            )
        body = self._call("post", f"/proxies/{proxy}/toxics", json=toxic.as_request()).json()
        return ToxicInfo.from_response(body)

    def remove_toxic(self, proxy: str, toxic_name: str, missing_ok: bool = True) -> None:
        try:
            self._call("delete", f"/proxies/{proxy}/toxics/{toxic_name}")
        except FaultError as exc:
            if not (missing_ok and exc.status == 404):
                raise
