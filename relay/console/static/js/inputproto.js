// The binary input protocol of the live session's data channels, version 1,
// exactly as documented in the Go package assist/inputproto: a two-byte
// header (version, type) and a fixed big-endian payload per type.

export const VERSION = 1;
export const TYPE = Object.freeze({ PointerMove: 0x01, MouseButton: 0x02, Wheel: 0x03, Key: 0x04, Permission: 0x10 });
export const MAX_CODE_LEN = 32;
const CODE_RE = /^[A-Za-z0-9]{1,32}$/;

const u16 = (v) => Math.min(65535, Math.max(0, Math.round(Number(v) || 0)));
const i16 = (v) => Math.min(32767, Math.max(-32768, Math.trunc(Number(v) || 0)));

/** normalise maps a 0..1 fraction of the shared screen to 0..65535. */
export function normalise(f) { return u16(Math.min(1, Math.max(0, f)) * 65535); }

function header(len, type) {
  const v = new DataView(new ArrayBuffer(len));
  v.setUint8(0, VERSION);
  v.setUint8(1, type);
  return v;
}

/** pointerMove (channel "pointer"): seq wraps at 2^32. */
export function pointerMove(seq, x, y) {
  const v = header(10, TYPE.PointerMove);
  v.setUint32(2, seq >>> 0);
  v.setUint16(6, u16(x));
  v.setUint16(8, u16(y));
  return v.buffer;
}

/** mouseButton (channel "control"): button as MouseEvent.button (0, 1, 2). */
export function mouseButton(button, down, x, y) {
  if (button !== 0 && button !== 1 && button !== 2) throw new RangeError(`button ${button} is not 0, 1 or 2`);
  const v = header(8, TYPE.MouseButton);
  v.setUint8(2, button);
  v.setUint8(3, down ? 1 : 0);
  v.setUint16(4, u16(x));
  v.setUint16(6, u16(y));
  return v.buffer;
}

/** wheel (channel "control"): notches, positive = right / down. */
export function wheel(dx, dy) {
  const v = header(6, TYPE.Wheel);
  v.setInt16(2, i16(dx));
  v.setInt16(4, i16(dy));
  return v.buffer;
}

export function validKeyCode(code) { return typeof code === 'string' && CODE_RE.test(code); }

/** key (channel "control"): code is KeyboardEvent.code ("KeyA", "Enter"…). */
export function key(code, down) {
  if (!validKeyCode(code)) throw new RangeError(`key code ${JSON.stringify(code)} is not 1-32 ASCII letters or digits`);
  const v = header(4 + code.length, TYPE.Key);
  v.setUint8(2, down ? 1 : 0);
  v.setUint8(3, code.length);
  for (let i = 0; i < code.length; i++) v.setUint8(4 + i, code.charCodeAt(i));
  return v.buffer;
}

/** decode parses a desktop → technician message; null if invalid. */
export function decode(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < 2 || buf.byteLength > 64) return null;
  const v = new DataView(buf);
  if (v.getUint8(0) !== VERSION) return null;
  if (v.getUint8(1) === TYPE.Permission && buf.byteLength === 4) {
    const view = v.getUint8(2), control = v.getUint8(3);
    if (view > 1 || control > 1) return null;
    return { type: 'permission', view: view === 1, control: control === 1 };
  }
  return null;
}
