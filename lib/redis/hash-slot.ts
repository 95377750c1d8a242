/** Redis Cluster has 16384 hash slots; a key lives in slot `CRC16(key) mod 16384`. */
export const SLOT_COUNT = 16384;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster uses. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

/**
 * The hash slot of a key, as Redis Cluster computes it: over the key's UTF-8 bytes, or only over its hash
 * tag (the text between the first `{` and the next `}`, when not empty), so that `{user:1}:a` and
 * `{user:1}:b` share a slot. A local copy rather than a dependency: it must agree with the server, which
 * the tests check against CLUSTER KEYSLOT.
 */
export function hashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    // '{' and '}' are ASCII, and no byte of a multi-byte UTF-8 sequence is: the tag found in the string
    // is the one Redis finds in the bytes.
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80) return crcOfBytes(Buffer.from(key, 'utf8'));
    crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ code) & 0xff]) & 0xffff;
  }
  return crc & (SLOT_COUNT - 1);
}

function crcOfBytes(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ byte) & 0xff]) & 0xffff;
  return crc & (SLOT_COUNT - 1);
}
