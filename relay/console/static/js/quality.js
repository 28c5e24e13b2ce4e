// Telling the technician when the picture of a live session is reduced,
// and why. The desktop (assist/media.go) adapts to a slow connection by
// first lowering the frame rate (down to 10 fps), then halving the size of
// the picture. The browser sees both in the inbound video's statistics
// (frameWidth, frameHeight, framesPerSecond).

// lowFPS is the frame rate below which a picture that should be moving
// counts as slow: the desktop sends up to 30 fps and goes down to 10 when
// the connection cannot carry more.
export const lowFPS = 12;

// A picture counts as reduced when it has fewer than this share of the
// pixels of the largest picture seen in the session.
const reducedShare = 0.9;

/**
 * videoSample picks the inbound video's size and frame rate out of an
 * RTCStatsReport (or anything with forEach over stats objects): {width,
 * height, fps}, or null before the first frame.
 */
export function videoSample(report) {
  let out = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.frameWidth && s.frameHeight) {
      out = { width: s.frameWidth, height: s.frameHeight, fps: s.framesPerSecond ?? null };
    }
  });
  return out;
}

/**
 * qualityNotice decides what to say about one sample. now is {width,
 * height, fps}; full the largest picture seen in this session (the desktop
 * only ever scales its screen down, so that is the screen's size); moving
 * whether the picture should be changing (the technician is using control),
 * since the desktop sends no frames while the screen stands still. It
 * returns '' when the picture is as good as it gets.
 */
export function qualityNotice(now, full, moving) {
  if (!now || !now.width || !now.height) return '';
  const reduced = !!full && now.width * now.height < full.width * full.height * reducedShare;
  const slow = moving && now.fps != null && now.fps > 0 && now.fps < lowFPS;
  const size = `${now.width}×${now.height}`;
  const fps = Math.round(now.fps);
  if (reduced && slow) return `The picture is reduced to ${size} at ${fps} frames a second because the connection is slow. Text may look blurry and the pointer may lag.`;
  if (reduced) return `The picture is reduced to ${size} because the connection is slow. Text may look blurry.`;
  if (slow) return `The picture updates only ${fps} times a second because the connection is slow. The pointer may lag.`;
  return '';
}

/** QualityWatch remembers the largest picture of a session across samples. */
export class QualityWatch {
  constructor() { this.full = null; }

  /** update takes a sample (videoSample) and returns the notice to show. */
  update(sample, moving) {
    if (!sample) return '';
    if (!this.full || sample.width * sample.height > this.full.width * this.full.height) {
      this.full = { width: sample.width, height: sample.height };
    }
    return qualityNotice(sample, this.full, moving);
  }
}
