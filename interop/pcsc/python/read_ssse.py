#!/usr/bin/python3
"""Reads the social security card's SSSE records through PC/SC with pyscard, as a kiosk
application does: SELECT SSSE, then READ RECORD by SFI for each record until 6A83. The
transmission protocol is the caller's choice (T0 or T1); pcscd and libccid run it at TPDU level,
this script follows 61xx with GET RESPONSE and 6Cxx with the command again (ISO 7816-4 §5.3.4).

usage: read_ssse.py <reader name> <T0|T1> <sfi> [<sfi> ...]
prints one JSON object: {"atr", "protocol", "select", "files": {"<sfi>": ["<record hex>", ...]}}
Exit status 0, or 1 with the failure on stderr.
"""
import json
import sys

from smartcard.CardConnection import CardConnection
from smartcard.System import readers
from smartcard.util import toHexString

SSSE = [0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF]
PROTOCOLS = {"T0": CardConnection.T0_protocol, "T1": CardConnection.T1_protocol}


def hexstr(data):
    return toHexString(list(data)).replace(" ", "")


class Card:
    def __init__(self, connection):
        self.c = connection
        self.log = []

    def raw(self, apdu):
        data, sw1, sw2 = self.c.transmit(list(apdu))
        self.log.append("%s -> %s %02X%02X" % (hexstr(apdu), hexstr(data), sw1, sw2))
        return list(data), sw1, sw2

    def transmit(self, apdu):
        data, sw1, sw2 = self.raw(apdu)
        if sw1 == 0x6C and len(apdu) == 5:  # wrong Le: the card says how many
            data, sw1, sw2 = self.raw(apdu[:4] + [sw2])
        out = data
        while sw1 == 0x61:  # more data: GET RESPONSE
            data, sw1, sw2 = self.raw([0x00, 0xC0, 0x00, 0x00, sw2])
            out = out + data
        return out, (sw1 << 8) | sw2


def main(argv):
    if len(argv) < 4 or argv[2] not in PROTOCOLS:
        sys.stderr.write(__doc__)
        return 2
    name, protocol, sfis = argv[1], argv[2], [int(s, 0) for s in argv[3:]]
    found = [r for r in readers() if str(r) == name]
    if not found:
        sys.stderr.write("reader %r not listed: %r\n" % (name, [str(r) for r in readers()]))
        return 1
    connection = found[0].createConnection()
    connection.connect(PROTOCOLS[protocol])
    card = Card(connection)
    result = {
        "atr": hexstr(connection.getATR()),
        "protocol": {CardConnection.T0_protocol: "T0", CardConnection.T1_protocol: "T1"}.get(
            connection.getProtocol(), str(connection.getProtocol())
        ),
        "files": {},
    }
    # T=0 carries a case 4 command as case 3 (no Le); T=1 sends the whole APDU.
    select = [0x00, 0xA4, 0x04, 0x00, len(SSSE)] + SSSE + ([] if protocol == "T0" else [0x00])
    fci, sw = card.transmit(select)
    if sw != 0x9000:
        sys.stderr.write("SELECT SSSE: %04X\n%s\n" % (sw, "\n".join(card.log)))
        return 1
    result["select"] = hexstr(fci)
    for sfi in sfis:
        records = []
        for number in range(1, 255):
            data, sw = card.transmit([0x00, 0xB2, number, (sfi << 3) | 4, 0x00])
            if sw == 0x6A83:  # record not found: the end of the file
                break
            if sw != 0x9000:
                sys.stderr.write("READ RECORD %d SFI %d: %04X\n%s\n" % (number, sfi, sw, "\n".join(card.log)))
                return 1
            records.append(hexstr(data))
        result["files"][str(sfi)] = records
    connection.disconnect()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
