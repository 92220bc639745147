"""An emulated slow, far, lossy link for the sync benchmarks.

`netns`: two network namespaces of the bench's own joined by a veth pair (10.213.7.1 ↔ .2, a
private range that exists only inside them), `tc tbf` for the rate each way, nftables
`numgen random` for packet loss (this kernel has no netem), and our proxy (tests/sync/
faultproxy.py) in the server's namespace for the round trip and the connection cuts.
`proxy`: where namespaces are not allowed, the same proxy on loopback also shapes the rate
(token bucket); loss is then not emulated, and the RESULT says `link=proxy`.
`Flapper` (netns only): the link drops every packet for a few seconds of every period, the way a
rural 3G link comes and goes; nothing is reset, so only timeouts and probes notice.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator

from tests.sync.faultproxy import FaultProxy, in_netns
from tests.systools import find_tool

# By absolute path: /usr/sbin and /sbin (where Debian keeps tc and nft) may be off PATH.
IP, TC, NFT = (find_tool(t) or t for t in ("ip", "tc", "nft"))

NS_CLIENT, NS_SERVER = "sala-bench-kiosk", "sala-bench-server"
DEV_CLIENT, DEV_SERVER = "sbk0", "sbs0"
IP_CLIENT, IP_SERVER = "10.213.7.1", "10.213.7.2"


def _run(*cmd: str, stdin: str | None = None) -> None:
    subprocess.run(cmd, check=True, input=stdin, text=True, capture_output=True)


def netns_possible() -> bool:
    if os.geteuid() != 0 or not all(find_tool(t) for t in ("ip", "tc", "nft")):
        return False
    probe = "sala-bench-probe"
    try:
        _run(IP, "netns", "add", probe)
        _run(IP, "netns", "exec", probe, NFT, "list", "ruleset")
        return True
    except (subprocess.CalledProcessError, OSError):
        return False
    finally:
        subprocess.run([IP, "netns", "del", probe], capture_output=True)


class Link:
    """One emulated link; `mode` is "netns" or "proxy"."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.up_bps = self.down_bps = 0.0
        self.rtt = 0.0
        self.loss = 0.0
        self.proxies: list[FaultProxy] = []

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Link:
        if self.mode == "netns":
            self._teardown()
            _run(IP, "netns", "add", NS_CLIENT)
            _run(IP, "netns", "add", NS_SERVER)
            _run(
                IP,
                "-n",
                NS_CLIENT,
                "link",
                "add",
                DEV_CLIENT,
                "type",
                "veth",
                "peer",
                "name",
                DEV_SERVER,
                "netns",
                NS_SERVER,
            )
            for ns, dev, ip in (
                (NS_CLIENT, DEV_CLIENT, IP_CLIENT),
                (NS_SERVER, DEV_SERVER, IP_SERVER),
            ):
                _run(IP, "-n", ns, "addr", "add", f"{ip}/30", "dev", dev)
                _run(IP, "-n", ns, "link", "set", dev, "up")
                _run(IP, "-n", ns, "link", "set", "lo", "up")
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.proxies:
            p.close()
        if self.mode == "netns":
            self._teardown()

    @staticmethod
    def _teardown() -> None:
        for ns in (NS_CLIENT, NS_SERVER):
            subprocess.run([IP, "netns", "del", ns], capture_output=True)

    # -- shaping ------------------------------------------------------------------------------
    def shape(self, *, up_bps: float, down_bps: float, rtt: float, loss: float) -> None:
        """Rate each way (bits/s), round trip (s), packet loss (fraction, each way)."""
        self.up_bps, self.down_bps, self.rtt, self.loss = up_bps, down_bps, rtt, loss
        if self.mode == "netns":
            for ns, dev, rate in (
                (NS_CLIENT, DEV_CLIENT, up_bps),
                (NS_SERVER, DEV_SERVER, down_bps),
            ):
                _run(
                    IP,
                    "netns",
                    "exec",
                    ns,
                    TC,
                    "qdisc",
                    "replace",
                    "dev",
                    dev,
                    "root",
                    "tbf",
                    "rate",
                    f"{int(rate)}bit",
                    "burst",
                    "6kb",
                    "latency",
                    "60ms",
                )
                per_mille = round(loss * 1000)
                rules = (
                    "table inet sala_loss\ndelete table inet sala_loss\n"
                    "table inet sala_loss {\n chain input {\n"
                    "  type filter hook input priority 0; policy accept;\n"
                    f'  iifname "{dev}" numgen random mod 1000 < {per_mille} drop\n'
                    " }\n}\n"
                )
                _run(IP, "netns", "exec", ns, NFT, "-f", "-", stdin=rules)
        for p in self.proxies:
            self._shape_proxy(p)

    def _shape_proxy(self, proxy: FaultProxy) -> None:
        if self.mode == "netns":
            proxy.set_link(rtt=self.rtt)  # tc does the rate, nft the loss
        else:
            proxy.set_link(up_bps=self.up_bps, down_bps=self.down_bps, rtt=self.rtt)

    def proxy_to(self, port: int) -> FaultProxy:
        """A proxy on the server side of the link, forwarding to 127.0.0.1:port there."""
        if self.mode == "netns":
            proxy = FaultProxy(("127.0.0.1", port), listen_host=IP_SERVER, netns=NS_SERVER)
        else:
            proxy = FaultProxy(("127.0.0.1", port))
        self._shape_proxy(proxy)
        self.proxies.append(proxy)
        return proxy

    # -- where things run ---------------------------------------------------------------------
    @contextlib.contextmanager
    def kiosk_side(self) -> Iterator[None]:
        with in_netns(NS_CLIENT if self.mode == "netns" else None):
            yield

    @contextlib.contextmanager
    def server_side(self) -> Iterator[None]:
        with in_netns(NS_SERVER if self.mode == "netns" else None):
            yield

    def server_prefix(self) -> list[str]:
        return [IP, "netns", "exec", NS_SERVER] if self.mode == "netns" else []

    def wire_bytes_up(self, proxy: FaultProxy) -> int:
        """Bytes the kiosk put on the line: veth counter (TCP/IP headers, retransmissions
        included) in netns mode, the proxy's byte count (payload of TCP) otherwise."""
        if self.mode != "netns":
            return proxy.stats.bytes_up
        out = subprocess.run(
            [IP, "-n", NS_CLIENT, "-s", "-j", "link", "show", DEV_CLIENT],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return int(json.loads(out)[0]["stats64"]["tx"]["bytes"])


class Flapper:
    """Drops every packet crossing the link for `down` seconds of every `period` (up first),
    with an nftables table of its own in both namespaces; counts the seconds the link was up."""

    TABLE = "sala_flap"

    def __init__(self, link: Link, *, down: float, period: float) -> None:
        if link.mode != "netns":
            raise RuntimeError("a flapping link needs network namespaces (run as root)")
        self.down, self.period = down, period
        self.started = time.monotonic()
        self._down_total = 0.0
        self._down_since: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @classmethod
    def _set(cls, dropping: bool) -> None:
        for ns, dev in ((NS_CLIENT, DEV_CLIENT), (NS_SERVER, DEV_SERVER)):
            rules = f"table inet {cls.TABLE}\ndelete table inet {cls.TABLE}\n"
            if dropping:
                rules += (
                    f"table inet {cls.TABLE} {{\n chain input {{\n"
                    "  type filter hook input priority -10; policy accept;\n"
                    f'  iifname "{dev}" drop\n }}\n}}\n'
                )
            _run(IP, "netns", "exec", ns, NFT, "-f", "-", stdin=rules)

    def _run(self) -> None:
        up = self.period - self.down
        while not self._stop.wait(up):
            self._set(True)
            with self._lock:
                self._down_since = time.monotonic()
            stopped = self._stop.wait(self.down)
            self._set(False)
            with self._lock:
                assert self._down_since is not None
                self._down_total += time.monotonic() - self._down_since
                self._down_since = None
            if stopped:
                return

    def up_fraction(self) -> float:
        """Share of the time since start that the link was up."""
        with self._lock:
            now = time.monotonic()
            down = self._down_total + (now - self._down_since if self._down_since else 0.0)
        return 1.0 - down / max(now - self.started, 1e-9)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(self.down + 5)
        self._set(False)
