"""Per-APDU latency through PC/SC (pyscard → pcscd → libccid), for bench/host/pcscd.ts.

Usage: /usr/bin/python3 pcsc_latency.py <reader name part> <repetitions> <setup apdu hex,...> <apdu hex> ...
Connects to the first reader whose name contains <reader name part>, sends the setup APDUs once,
then each measured APDU <repetitions> times in turn (round robin, after one warm-up round), and
prints one JSON object: {"atr": hex, "latencies": {apdu hex: [ms, ...]}, "sw": {apdu hex: "9000"}}.
The socket comes from PCSCLITE_CSOCK_NAME, as for any libpcsclite client.
"""

import json
import sys
import time

from smartcard.System import readers


def main() -> None:
    name, reps, setup = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    apdus = sys.argv[4:]
    deadline = time.monotonic() + 20
    reader = None
    while reader is None:
        reader = next((r for r in readers() if name in str(r)), None)
        if reader is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"no reader named *{name}*")
            time.sleep(0.2)
    connection = reader.createConnection()
    while True:
        try:
            connection.connect()
            break
        except Exception:  # the card may still be coming up
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    for hex_apdu in filter(None, setup.split(",")):
        connection.transmit(list(bytes.fromhex(hex_apdu)))
    latencies = {a: [] for a in apdus}
    sw = {}
    for round_ in range(reps + 1):
        for a in apdus:
            apdu = list(bytes.fromhex(a))
            start = time.perf_counter()
            _, sw1, sw2 = connection.transmit(apdu)
            elapsed = (time.perf_counter() - start) * 1000
            sw[a] = f"{sw1:02X}{sw2:02X}"
            if round_ > 0:
                latencies[a].append(elapsed)
    atr = bytes(connection.getATR()).hex().upper()
    connection.disconnect()
    print(json.dumps({"atr": atr, "latencies": latencies, "sw": sw}))


if __name__ == "__main__":
    main()
