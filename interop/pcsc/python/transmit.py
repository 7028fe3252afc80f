#!/usr/bin/python3
"""Connects to a reader through PC/SC with pyscard and sends APDUs as they are (no 61xx / 6Cxx
handling: what the card answers is what comes back).

usage: transmit.py <reader name> <T0|T1> <apdu hex> [<apdu hex> ...]
prints one JSON object: {"atr", "protocol", "responses": ["<data hex><SW1SW2 hex>", ...]}
Exit status 0, or 1 with the failure on stderr.
"""
import json
import sys

from smartcard.CardConnection import CardConnection
from smartcard.System import readers
from smartcard.util import toHexString

PROTOCOLS = {"T0": CardConnection.T0_protocol, "T1": CardConnection.T1_protocol}


def hexstr(data):
    return toHexString(list(data)).replace(" ", "")


def main(argv):
    if len(argv) < 3 or argv[2] not in PROTOCOLS:
        sys.stderr.write(__doc__)
        return 2
    found = [r for r in readers() if str(r) == argv[1]]
    if not found:
        sys.stderr.write("reader %r not listed: %r\n" % (argv[1], [str(r) for r in readers()]))
        return 1
    connection = found[0].createConnection()
    connection.connect(PROTOCOLS[argv[2]])
    responses = []
    for text in argv[3:]:
        data, sw1, sw2 = connection.transmit(list(bytes.fromhex(text)))
        responses.append(hexstr(list(data) + [sw1, sw2]))
    result = {
        "atr": hexstr(connection.getATR()),
        "protocol": {CardConnection.T0_protocol: "T0", CardConnection.T1_protocol: "T1"}.get(
            connection.getProtocol(), str(connection.getProtocol())
        ),
        "responses": responses,
    }
    connection.disconnect()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
