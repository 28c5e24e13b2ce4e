// The binary input protocol of the live session's data channels, version 1,
// exactly as documented in the Go package assist/inputproto: a two-byte
// header (version, type) and a fixed big-endian payload per type.

export const VERSION = 1;
export const TYPE = Object.freeze({
  PointerMove: 0x01, MouseButton: 0x02, Wheel: 0x03, Key: 0x04, TypeText: 0x06, Clipboard: 0x07, ClipboardRequest: 0x09,
  Permission: 0x10,
});
export const MAX_CODE_LEN = 32;
export const MAX_TYPED_TEXT = 2048; // bytes of UTF-8
export const MAX_CLIPBOARD_TEXT = 32 << 10; // bytes of UTF-8
const MAX_INPUT_MESSAGE = 64;
// A control character other than newline and tab: typed text refuses them.
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
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

/** utf8Bytes is the length of s in UTF-8. */
export function utf8Bytes(s) { return new TextEncoder().encode(s).length; }

/**
 * typeText (channel "control"): text the desktop types one character at a
 * time, 1..MAX_TYPED_TEXT bytes of UTF-8, "\n" and "\t" the only control
 * characters.
 */
export function typeText(text) {
  const b = new TextEncoder().encode(String(text));
  if (b.length === 0 || b.length > MAX_TYPED_TEXT) throw new RangeError(`text of ${b.length} bytes is not 1-${MAX_TYPED_TEXT}`);
  if (CONTROL_RE.test(text)) throw new RangeError('text holds a control character');
  const v = header(4 + b.length, TYPE.TypeText);
  v.setUint16(2, b.length);
  new Uint8Array(v.buffer, 4).set(b);
  return v.buffer;
}

/** clipboard (channel "control"): text for the user's clipboard, ≤ MAX_CLIPBOARD_TEXT bytes of UTF-8. */
export function clipboard(text) {
  const b = new TextEncoder().encode(String(text));
  if (b.length > MAX_CLIPBOARD_TEXT) throw new RangeError(`clipboard text of ${b.length} bytes is over ${MAX_CLIPBOARD_TEXT}`);
  if (b.includes(0)) throw new RangeError('clipboard text holds a NUL');
  const v = header(6 + b.length, TYPE.Clipboard);
  v.setUint32(2, b.length);
  new Uint8Array(v.buffer, 6).set(b);
  return v.buffer;
}

/** clipboardRequest (channel "control"): asks for the user's clipboard text. */
export function clipboardRequest() { return header(2, TYPE.ClipboardRequest).buffer; }

// --- displays (multiple monitors): SelectDisplay 0x08, Displays 0x11
export const DISPLAY = Object.freeze({ SelectDisplay: 0x08, Displays: 0x11, All: 0xff, MaxDisplays: 16, MaxNameLen: 32, MaxMessageSize: 740 });

/** fullResolution (channel "control", viewing is enough): the screen at its own size (true) or fitted to 1080p (false). */
export function fullResolution(on) {
  const v = header(3, 0x0a);
  v.setUint8(2, on ? 1 : 0);
  return v.buffer;
}

/** selectDisplay (channel "control"): an index of the last Displays list, or DISPLAY.All. */
export function selectDisplay(index) {
  if (!Number.isInteger(index) || index < 0 || (index >= DISPLAY.MaxDisplays && index !== DISPLAY.All)) throw new RangeError(`display ${index} is not 0-15 or 255`);
  const v = header(3, DISPLAY.SelectDisplay);
  v.setUint8(2, index);
  return v.buffer;
}

// decodeDisplays parses a Displays message (size already capped); null if invalid.
function decodeDisplays(v) {
  const len = v.byteLength;
  if (len < 4) return null;
  const n = v.getUint8(2), shown = v.getUint8(3);
  if (n < 1 || n > DISPLAY.MaxDisplays || (shown !== DISPLAY.All && shown >= n)) return null;
  const displays = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let o = 4;
  for (let i = 0; i < n; i++) {
    if (o + 14 > len) return null;
    const d = { x: v.getInt32(o), y: v.getInt32(o + 4), w: v.getUint16(o + 8), h: v.getUint16(o + 10) };
    const primary = v.getUint8(o + 12), m = v.getUint8(o + 13);
    if (primary > 1 || m > DISPLAY.MaxNameLen || !d.w || !d.h || o + 14 + m > len) return null;
    try { d.name = utf8.decode(new Uint8Array(v.buffer, v.byteOffset + o + 14, m)); } catch { return null; }
    d.primary = primary === 1;
    displays.push(d);
    o += 14 + m;
  }
  if (o !== len) return null;
  return { type: 'displays', shown: shown === DISPLAY.All ? 'all' : shown, displays };
}
// --- end displays

// --- the user's pointer, drawn by the console: PointerPosition 0x12 and
// PointerShape 0x13 (desktop → console), DrawPointer 0x14 (console → desktop)
export const POINTER = Object.freeze({ Position: 0x12, Shape: 0x13, Draw: 0x14, MaxSize: 64, MaxShapeMessage: 10 + 64 * 64 * 4 });

/** drawPointer (channel "control", viewing is enough): this console draws the user's pointer (true), or the video carries it (false). */
export function drawPointer(on) {
  const v = header(3, POINTER.Draw);
  v.setUint8(2, on ? 1 : 0);
  return v.buffer;
}

// decodePointerShape parses a PointerShape message (size already capped); null if invalid.
function decodePointerShape(v) {
  if (v.byteLength < 10) return null;
  const w = v.getUint8(6), h = v.getUint8(7), hotX = v.getUint8(8), hotY = v.getUint8(9);
  if (!w || !h || w > POINTER.MaxSize || h > POINTER.MaxSize || hotX >= w || hotY >= h || v.byteLength !== 10 + w * h * 4) return null;
  return { type: 'pointerShape', id: v.getUint32(2), w, h, hotX, hotY, pix: new Uint8ClampedArray(v.buffer.slice(v.byteOffset + 10, v.byteOffset + v.byteLength)) };
}
// --- end pointer

/** decode parses a desktop → technician message; null if invalid. */
export function decode(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < 2) return null;
  const v = new DataView(buf);
  if (v.getUint8(0) !== VERSION) return null;
  const type = v.getUint8(1);
  if (type === TYPE.Clipboard) {
    if (buf.byteLength < 6 || buf.byteLength > 6 + MAX_CLIPBOARD_TEXT || v.getUint32(2) !== buf.byteLength - 6) return null;
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buf, 6));
    } catch {
      return null;
    }
    return text.includes('\u0000') ? null : { type: 'clipboard', text };
  }
  if (type === DISPLAY.Displays) return buf.byteLength <= DISPLAY.MaxMessageSize ? decodeDisplays(v) : null;
  if (type === POINTER.Shape) return buf.byteLength <= POINTER.MaxShapeMessage ? decodePointerShape(v) : null;
  if (buf.byteLength > MAX_INPUT_MESSAGE) return null;
  if (type === TYPE.Permission && buf.byteLength === 4) {
    const view = v.getUint8(2), control = v.getUint8(3);
    if (view > 1 || control > 1) return null;
    return { type: 'permission', view: view === 1, control: control === 1 };
  }
  if (type === POINTER.Position && buf.byteLength === 11) {
    const visible = v.getUint8(6);
    if (visible > 1) return null;
    return { type: 'pointer', x: v.getUint16(2), y: v.getUint16(4), visible: visible === 1, shape: v.getUint32(7) };
  }
  return null;
}
