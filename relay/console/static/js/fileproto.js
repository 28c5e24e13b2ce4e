// The binary file-transfer protocol of the live session's "file" data
// channel, version 1, exactly as documented in the Go package
// assist/fileproto: a two-byte header (version, type), a uint32 transfer
// id, then the type's payload, big-endian.

export const VERSION = 1;
export const CHANNEL = 'file';
export const CHUNK_SIZE = 16 * 1024;
export const MAX_NAME_LEN = 255; // bytes of UTF-8
export const DESKTOP_ID = 0x80000000; // bit 31: a transfer the desktop started
export const TYPE = Object.freeze({ Offer: 1, Accept: 2, Chunk: 3, End: 4, Progress: 5, Done: 6, Cancel: 7, Request: 8 });
export const REASON = Object.freeze({
  Cancelled: 0, Declined: 1, TooLarge: 2, DiskFull: 3, WriteFailed: 4, HashMismatch: 5, Protocol: 6, Busy: 7, ReadFailed: 8,
});
const MAX_REASON = 8;
const MAX_MESSAGE = 6 + CHUNK_SIZE;
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/u;

function head(len, type, id) {
  const v = new DataView(new ArrayBuffer(len));
  v.setUint8(0, VERSION);
  v.setUint8(1, type);
  v.setUint32(2, id >>> 0);
  return v;
}

/** offer: a file of size bytes called name (a base name, 1-255 bytes of UTF-8). */
export function offer(id, size, name) {
  const n = new TextEncoder().encode(String(name));
  if (n.length === 0 || n.length > MAX_NAME_LEN || CONTROL_RE.test(name)) throw new RangeError('the file name cannot be sent');
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size}`);
  const v = head(15 + n.length, TYPE.Offer, id);
  v.setBigUint64(6, BigInt(size));
  v.setUint8(14, n.length);
  new Uint8Array(v.buffer, 15).set(n);
  return v.buffer;
}

/** chunk: 1..CHUNK_SIZE bytes (a Uint8Array) of the file. */
export function chunk(id, bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > CHUNK_SIZE) throw new RangeError('chunk size');
  const v = head(6 + bytes.length, TYPE.Chunk, id);
  new Uint8Array(v.buffer, 6).set(bytes);
  return v.buffer;
}

/** end: the SHA-256 (32 bytes, an ArrayBuffer or Uint8Array) of the whole file. */
export function end(id, sha256) {
  const s = new Uint8Array(sha256);
  if (s.length !== 32) throw new RangeError('sha256 is 32 bytes');
  const v = head(38, TYPE.End, id);
  new Uint8Array(v.buffer, 6).set(s);
  return v.buffer;
}

export function progress(id, bytes) {
  const v = head(14, TYPE.Progress, id);
  v.setBigUint64(6, BigInt(bytes));
  return v.buffer;
}

export function cancel(id, reason = REASON.Cancelled) {
  if (!(reason >= 0 && reason <= MAX_REASON)) throw new RangeError(`reason ${reason}`);
  const v = head(7, TYPE.Cancel, id);
  v.setUint8(6, reason);
  return v.buffer;
}

export const accept = (id) => head(6, TYPE.Accept, id).buffer;
export const done = (id) => head(6, TYPE.Done, id).buffer;
export const request = (id) => head(6, TYPE.Request, id).buffer;

/** decode parses a message; null if it is not valid. A chunk's data views buf. */
export function decode(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < 6 || buf.byteLength > MAX_MESSAGE) return null;
  const v = new DataView(buf);
  if (v.getUint8(0) !== VERSION) return null;
  const type = v.getUint8(1), id = v.getUint32(2), len = buf.byteLength - 6;
  switch (type) {
    case TYPE.Offer: {
      if (len < 9 || len !== 9 + v.getUint8(14)) return null;
      const size = v.getBigUint64(6);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return null;
      let name;
      try { name = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buf, 15)); } catch { return null; }
      if (!name || CONTROL_RE.test(name)) return null;
      return { type, id, size: Number(size), name };
    }
    case TYPE.Chunk: return len > 0 ? { type, id, data: new Uint8Array(buf, 6) } : null;
    case TYPE.End: return len === 32 ? { type, id, sha256: new Uint8Array(buf.slice(6)) } : null;
    case TYPE.Progress: return len === 8 ? { type, id, bytes: Number(v.getBigUint64(6)) } : null;
    case TYPE.Cancel: return len === 1 && v.getUint8(6) <= MAX_REASON ? { type, id, reason: v.getUint8(6) } : null;
    case TYPE.Accept: case TYPE.Done: case TYPE.Request: return len === 0 ? { type, id } : null;
    default: return null;
  }
}
