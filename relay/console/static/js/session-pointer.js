// The user's mouse pointer, drawn by the console over the live video
// (assist/inputproto PointerPosition and PointerShape): it travels apart
// from the frames, so it stays current when frames are late or dropped.
// The console asks for it with DrawPointer when the control channel
// opens; the desktop then leaves it out of the video. Shapes come once per
// id and are kept here. While the technician has control and their mouse
// is over the video, the pointer is not drawn twice: their own cursor is
// hidden and the user's pointer shape drawn where it is instead (as
// RustDesk and TeamViewer show it). The recorder draws the pointer into
// the recording too (drawOn).
//
// The page's policy allows no inline styles, so the overlay is an SVG
// <image> placed by attributes: a zero-sized <svg> at the top left of the
// screen's scrolled content, drawing outside itself (overflow visible).

const SVG = ['http:', '', 'www.w3.org', '2000', 'svg'].join('/');
const maxShapes = 64; // shape ids kept; the oldest goes first

function svg(tag, attrs) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  return n;
}

export class PointerOverlay {
  /** video is the <video> showing the picture; screen its scrolling container. */
  constructor(video, screen) {
    this.video = video;
    this.screen = screen;
    this.image = svg('image', { visibility: 'hidden', width: 1, height: 1 });
    this.node = svg('svg', { class: 'remote-pointer', 'aria-hidden': 'true', width: 1, height: 1, overflow: 'visible' });
    this.node.append(this.image);
    this.shapes = new Map(); // id → { w, h, hotX, hotY, bitmap (a canvas), url (its PNG, for the <image>) }
    this.pos = null; // the last PointerPosition
    this.drawn = null; // the shape id on the <image>
    this.local = null; // the technician's mouse over the video: { x, y } in client coordinates
    this.controlling = false;
    this.frame = 0;
    video.addEventListener('mousemove', (e) => { this.local = { x: e.clientX, y: e.clientY }; if (this.controlling) this.schedule(); });
    video.addEventListener('mouseleave', () => { this.local = null; this.schedule(); });
    video.addEventListener('resize', () => this.schedule()); // another size sent (display, full resolution)
    if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(video); // Fit / 1:1, window
  }

  onShape(p) {
    const c = document.createElement('canvas');
    c.width = p.w;
    c.height = p.h;
    c.getContext('2d').putImageData(new ImageData(p.pix, p.w, p.h), 0, 0);
    this.shapes.delete(p.id);
    this.shapes.set(p.id, { w: p.w, h: p.h, hotX: p.hotX, hotY: p.hotY, bitmap: c, url: '' });
    while (this.shapes.size > maxShapes) this.shapes.delete(this.shapes.keys().next().value);
    if (this.drawn === p.id) this.drawn = null; // redraw a shape sent again
    this.schedule();
  }

  onPosition(p) {
    this.pos = p;
    this.schedule();
  }

  /** setControlling: with control, the local cursor over the video takes the pointer's shape. */
  setControlling(on) {
    if (this.controlling === on) return;
    this.controlling = on;
    this.schedule();
  }

  /** reset forgets shapes and position (a new peer connection: its console state starts afresh). */
  reset() {
    this.shapes.clear();
    this.pos = null;
    this.drawn = null;
    this.place();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.place(); });
  }

  // picture is the video's displayed picture (letterboxing excluded) in
  // the screen container's scrolled coordinates, as the console maps its
  // own pointer (session.js position).
  picture() {
    const v = this.video, s = this.screen;
    const vw = v.videoWidth, vh = v.videoHeight;
    const r = v.getBoundingClientRect(), sr = s.getBoundingClientRect();
    if (!vw || !vh || !r.width || !r.height) return null;
    const scale = Math.min(r.width / vw, r.height / vh);
    const w = vw * scale, h = vh * scale;
    return {
      left: r.left + (r.width - w) / 2 - sr.left - s.clientLeft + s.scrollLeft,
      top: r.top + (r.height - h) / 2 - sr.top - s.clientTop + s.scrollTop,
      w, h,
    };
  }

  place() {
    const p = this.pos, shape = p && this.shapes.get(p.shape);
    // With control, over the video: the technician's own mouse, in the user's pointer's shape.
    const own = this.controlling && this.local && shape;
    this.screen.classList.toggle('pointer-own', !!own);
    const pic = shape && (own || p.visible) ? this.picture() : null;
    if (!pic) {
      this.image.setAttribute('visibility', 'hidden');
      this.node.dataset.shown = 'false';
      return;
    }
    if (this.drawn !== p.shape) {
      const a = { href: this.url(shape), width: shape.w, height: shape.h };
      for (const [k, v] of Object.entries(a)) this.image.setAttribute(k, String(v));
      this.node.dataset.hotX = String(shape.hotX);
      this.node.dataset.hotY = String(shape.hotY);
      this.drawn = p.shape;
    }
    const s = this.screen, sr = s.getBoundingClientRect();
    const x = own ? this.local.x - sr.left - s.clientLeft + s.scrollLeft : pic.left + (p.x / 65535) * pic.w;
    const y = own ? this.local.y - sr.top - s.clientTop + s.scrollTop : pic.top + (p.y / 65535) * pic.h;
    this.image.setAttribute('x', String(Math.round(x - shape.hotX)));
    this.image.setAttribute('y', String(Math.round(y - shape.hotY)));
    this.image.setAttribute('visibility', 'visible');
    this.node.dataset.shown = own ? 'local' : 'remote';
  }

  url(shape) {
    if (!shape.url) shape.url = shape.bitmap.toDataURL('image/png');
    return shape.url;
  }

  /** drawOn draws the pointer on g, a w×h drawing of the picture (the recording). */
  drawOn(g, w, h) {
    const p = this.pos, shape = p && this.shapes.get(p.shape);
    if (!shape || !p.visible) return;
    g.drawImage(shape.bitmap, Math.round((p.x / 65535) * w - shape.hotX), Math.round((p.y / 65535) * h - shape.hotY));
  }
}
