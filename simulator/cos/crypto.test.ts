import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../protocol/bytes.ts';
import {
  authData,
  decryptEcb,
  diversify,
  encryptEcb,
  foldHalves,
  mac,
  padIso9797M2,
  sessionKey,
  KeyLengthError,
} from './crypto.ts';
import { masterKey, sscCardKey } from '../profiles/keys.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

describe('ciphers', () => {
  it('SM4 matches the GB/T 32907 example', () => {
    const k = fromHex('0123456789ABCDEFFEDCBA9876543210');
    expect(hex(encryptEcb('SM4', k, k))).toBe('681EDF34D206965E86B3E94F536E4246');
  });

  it('single DES matches the classic FIPS 46 example; 3DES with K1 = K2 is single DES', () => {
    const k = fromHex('133457799BBCDFF1');
    expect(hex(encryptEcb('3DES', k, fromHex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
    const kk = fromHex('133457799BBCDFF1133457799BBCDFF1');
    expect(hex(encryptEcb('3DES', kk, fromHex('0123456789ABCDEF')))).toBe('85E813540F0AB405');
  });

  it('decrypt inverts encrypt', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (k, d) => {
          expect(decryptEcb('SM4', k, encryptEcb('SM4', k, d))).toEqual(d);
          expect(decryptEcb('3DES', k, encryptEcb('3DES', k, d))).toEqual(d);
        },
      ),
    );
  });

  it('rejects a key of the wrong length with a typed error', () => {
    expect(() => encryptEcb('SM4', new Uint8Array(8), new Uint8Array(16))).toThrow(KeyLengthError);
    expect(() => encryptEcb('3DES', new Uint8Array(24), new Uint8Array(8))).toThrow(KeyLengthError);
  });
});

describe('KEYS.md worked examples', () => {
  const id = '519900D15600000510000B26FFFFFFFF';
  it('master keys and card keys', () => {
    expect(hex(masterKey('IRK', 'SM4'))).toBe('C889F96225B67A3D766DCEE11F9C8BCB');
    expect(hex(masterKey('IRK', '3DES'))).toBe('3AB1057930DDF93CA80969E09C9B8AFA');
    expect(hex(sscCardKey('IRK', 'SM4', id))).toBe('D2BA18E3C79576509271640A8D54DF70');
    expect(hex(sscCardKey('RKSSSE', '3DES', id))).toBe('5DD06F430A3DA9815AD172292D5E0917');
  });

  it('diversify: SM4(K, F ‖ ~F); 3DES(K, F) ‖ 3DES(K, ~F)', () => {
    const k = masterKey('IRK', 'SM4');
    const f = fromHex('0011223344556677');
    expect(diversify('SM4', k, f)).toEqual(
      encryptEcb('SM4', k, fromHex('0011223344556677FFEEDDCCBBAA9988')),
    );
    const k3 = masterKey('IRK', '3DES');
    expect(hex(diversify('3DES', k3, f))).toBe(
      hex(encryptEcb('3DES', k3, f)) + hex(encryptEcb('3DES', k3, fromHex('FFEEDDCCBBAA9988'))),
    );
  });

  it('§1.7 session keys and authentication data', () => {
    const irk = sscCardKey('IRK', 'SM4', id);
    const sk = sessionKey('SM4', irk, fromHex('32D9E876ADB31BBF'));
    expect(hex(sk)).toBe('F42D8D0432DD84E3AFC38DC2C0785970');
    expect(hex(authData('SM4', sk, fromHex('DBF7A936D0D18C9E')))).toBe('0167097F0E6C3619');
    const irk3 = sscCardKey('IRK', '3DES', id);
    const sk3 = sessionKey('3DES', irk3, fromHex('32D9E876ADB31BBF'));
    expect(hex(sk3)).toBe('A021EE2BC10CA298');
    expect(hex(authData('3DES', sk3, fromHex('DBF7A936D0D18C9E')))).toBe('0A611B54551A079D');
    // SM4 authData = L ⊕ R of SM4(SK, OI ‖ 00×8).
    const block = encryptEcb('SM4', sk, fromHex('DBF7A936D0D18C9E0000000000000000'));
    expect(authData('SM4', sk, fromHex('DBF7A936D0D18C9E'))).toEqual(foldHalves(block));
  });

  it('§5 MAC of the PIN reload example', () => {
    const st = sscCardKey('STKSSSE', 'SM4', id);
    const smk = sessionKey('SM4', st, fromHex('2AFD6A015D2D9BAC'));
    expect(hex(smk)).toBe('AAFA0B0C3A2FB89578F7BC71BCCBD3EF');
    const enc = encryptEcb('SM4', smk, fromHex('03123456800000000000000000000000'));
    expect(hex(enc)).toBe('659E6F71B54B952BE22194931A5F502B');
    expect(hex(mac('SM4', smk, fromHex('8424000114' + hex(enc))))).toBe('97322A9B');
  });

  it('padding method 2 always adds 80', () => {
    expect(hex(padIso9797M2(fromHex('0102030405060708'), 8))).toBe(
      '01020304050607088000000000000000',
    );
    expect(hex(padIso9797M2(fromHex('01'), 8))).toBe('0180000000000000');
  });

  it('the MAC changes with any bit of the data', () => {
    const k = fromHex('0011223344556677');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), (d, bit) => {
        const i = bit % (d.length * 8);
        const e = d.slice();
        e[i >> 3] ^= 1 << (i & 7);
        expect(hex(mac('3DES', k, d))).not.toBe(hex(mac('3DES', k, e)));
      }),
    );
  });
});
