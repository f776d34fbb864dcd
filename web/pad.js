// Signature pad: captures pointer strokes on a canvas with Pointer Events and draws them as ink.
//
// The pad keeps a signature object with every channel the device reported:
//   { strokes: [{ pointerType, samples: [{ x, y, t, pressure, tiltX, tiltY }, ...] }, ...] }
// x and y are CSS pixels from the canvas's top-left content corner when the first stroke was
// drawn, so they do not depend on devicePixelRatio. If the canvas changes size later (a
// rotated phone, a resized window), the drawing is scaled to fit and new samples are mapped
// into the same coordinates. t is each sample's own event.timeStamp in milliseconds, never
// decreasing, shifted after an import or an Undo so that the next stroke starts STROKE_GAP_MS
// after the last sample. pressure (0..1) and tiltX and tiltY (degrees) are null when the stroke's device
// does not measure them (see #finishChannels).
//
// toPoints() gives the module's flat format, five numbers per sample:
// [x, y, t_ms, pressure, stroke_index], with pressure NaN where it is null.

export const VALUES_PER_POINT = 5;

// Ink widths in CSS pixels: a fixed width without pressure, MIN_WIDTH to MIN_WIDTH +
// WIDTH_RANGE with it.
const INK_WIDTH = 2.5;
const MIN_WIDTH = 1.2;
const WIDTH_RANGE = 2.6;

// Fraction of an imported drawing's size left free around it on the pad.
const IMPORT_MARGIN = 0.08;

// Pointer Events report pressure 0.5 while a button is down and 0 otherwise on hardware that
// cannot measure it. A constant 1 is treated the same way, because a real sensor does not hold
// full pressure over a whole stroke.
const PLACEHOLDER_PRESSURES = [0, 0.5, 1];

// Pause placed before a stroke drawn after an imported signature or after Undo, in
// milliseconds: a typical pen-up gap between strokes.
const STROKE_GAP_MS = 150;

// Maximum pause a replay shows, in milliseconds. Longer pauses between two samples are
// shortened to it, so that a replay never waits long with nothing to draw.
export const REPLAY_PAUSE_LIMIT_MS = 2000;

export class SignaturePad {
  #canvas;
  #context;
  #onChange;

  // Each stroke is { pointerType, hasPressure, hasTilt, samples }. A sample is
  // { x, y, t, pressure, tiltX, tiltY, isPointerUp } with the values as reported; the
  // signature getter replaces the channels the stroke does not have with null.
  #strokes = [];

  // The rectangle of sample coordinates that is fitted into the canvas, or null when empty.
  #space = null;

  #activePointerId = null;
  // Added to event timestamps so that a stroke drawn after an imported signature continues its
  // clock instead of piling up at its last time.
  #timeOffset = 0;
  // Whether the next stroke starts STROKE_GAP_MS after the last sample, whatever its timestamps.
  // It is set by an import, whose clock is unrelated to the page's, and by Undo, because the time
  // spent pressing it and redrawing is not a pause in the signature.
  #restartClock = false;
  #resolutionQuery = null;
  #replay = null;

  constructor(canvas, { onChange = () => {} } = {}) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d');
    this.#onChange = onChange;

    canvas.addEventListener('pointerdown', this.#handlePointerDown, { passive: false });
    canvas.addEventListener('lostpointercapture', this.#handleLostCapture);
    canvas.addEventListener('contextmenu', (event) => event.preventDefault());
    // A browser without full touch-action support may still scroll or zoom from touchstart,
    // so its default is cancelled too.
    canvas.addEventListener('touchstart', (event) => event.preventDefault(), { passive: false });

    new ResizeObserver(() => this.#resizeBackingStore()).observe(canvas);
    this.#watchPixelRatio();
    window
      .matchMedia('(prefers-color-scheme: dark)')
      .addEventListener('change', () => this.#redraw());
    this.#resizeBackingStore();
  }

  get isEmpty() {
    return this.#strokes.length === 0;
  }

  get pointCount() {
    return this.#strokes.reduce((count, stroke) => count + stroke.samples.length, 0);
  }

  get strokeCount() {
    return this.#strokes.length;
  }

  // Number of samples outside the area the pad shows, such as those of a stroke dragged past
  // the pad's edge. They are recorded and count like the others, but are not drawn.
  get samplesOutside() {
    const space = this.#space;
    if (space === null) {
      return 0;
    }
    // Half a CSS pixel of slack, for a pointer on the edge itself.
    const slack = 0.5;
    let count = 0;
    for (const stroke of this.#strokes) {
      for (const sample of stroke.samples) {
        const outside =
          sample.x < space.left - slack ||
          sample.y < space.top - slack ||
          sample.x > space.left + space.width + slack ||
          sample.y > space.top + space.height + slack;
        if (outside) {
          count += 1;
        }
      }
    }
    return count;
  }

  // Whether any stroke has a real pressure reading.
  get hasPressure() {
    return this.#strokes.some((stroke) => stroke.hasPressure);
  }

  // Whether a pointer is down on the pad, drawing a stroke.
  get isDrawing() {
    return this.#activePointerId !== null;
  }

  get isReplaying() {
    return this.#replay !== null;
  }

  // Returns, for each stroke, whether it came from an imported file rather than the pointer.
  get importedStrokes() {
    return this.#strokes.map((stroke) => stroke.imported);
  }

  // Returns a copy of the drawing as a signature object (see the top of this file).
  get signature() {
    return {
      strokes: this.#strokes.map((stroke) => ({
        pointerType: stroke.pointerType,
        samples: stroke.samples.map((sample) => ({
          x: sample.x,
          y: sample.y,
          t: sample.t,
          pressure: stroke.hasPressure ? sample.pressure : null,
          tiltX: stroke.hasTilt ? sample.tiltX : null,
          tiltY: stroke.hasTilt ? sample.tiltY : null,
        })),
      })),
    };
  }

  // Replaces the drawing with a signature object, scaled to fit the pad. The caller checks the
  // values (the module's readers do); this only copies them.
  load(signature) {
    this.#cancelInput();
    this.#strokes = signature.strokes.map((stroke) => ({
      pointerType: stroke.pointerType,
      hasPressure: stroke.samples[0].pressure !== null,
      hasTilt: stroke.samples[0].tiltX !== null,
      imported: true,
      samples: stroke.samples.map((sample) => ({ ...sample, isPointerUp: false })),
    }));
    this.#space = this.#boundingSpace();
    this.#restartClock = true;
    this.#redraw();
    this.#onChange();
  }

  // Returns the drawing as a Float64Array of pointCount * VALUES_PER_POINT values.
  toPoints() {
    const values = new Float64Array(this.pointCount * VALUES_PER_POINT);
    let offset = 0;

    this.#strokes.forEach((stroke, strokeIndex) => {
      for (const sample of stroke.samples) {
        values[offset] = sample.x;
        values[offset + 1] = sample.y;
        values[offset + 2] = sample.t;
        values[offset + 3] = stroke.hasPressure ? sample.pressure : Number.NaN;
        values[offset + 4] = strokeIndex;
        offset += VALUES_PER_POINT;
      }
    });
    return values;
  }

  clear() {
    this.#cancelInput();
    this.#strokes = [];
    this.#space = null;
    this.#redraw();
    this.#onChange();
  }

  // Removes the last stroke. Returns false when the pad is empty.
  undo() {
    this.#cancelInput();
    if (this.#strokes.length === 0) {
      return false;
    }
    this.#strokes.pop();
    if (this.#strokes.length === 0) {
      this.#space = null;
    }
    this.#restartClock = true;
    this.#redraw();
    this.#onChange();
    return true;
  }

  // The replay's timeline: for each stroke, the time of each sample counted from the first
  // sample, with every pause longer than REPLAY_PAUSE_LIMIT_MS shortened to that limit. An
  // imported signature may pause for years between two samples, and a writer for minutes.
  // Returns { times, durationMs, shortenedPauses }.
  replayTimeline() {
    const times = [];
    let previousT = null;
    let elapsed = 0;
    let shortenedPauses = 0;
    for (const stroke of this.#strokes) {
      const strokeTimes = [];
      for (const sample of stroke.samples) {
        if (previousT !== null) {
          const gap = sample.t - previousT;
          if (gap > REPLAY_PAUSE_LIMIT_MS) {
            shortenedPauses += 1;
          }
          elapsed += Math.min(gap, REPLAY_PAUSE_LIMIT_MS);
        }
        previousT = sample.t;
        strokeTimes.push(elapsed);
      }
      times.push(strokeTimes);
    }
    return { times, durationMs: elapsed, shortenedPauses };
  }

  // Draws the signature again at its recorded speed, pauses included but each shortened to at
  // most REPLAY_PAUSE_LIMIT_MS. Returns a promise that resolves with true when the replay has
  // finished, or false when the pad was empty or the replay was stopped (by new input, clear,
  // undo, load or another replay).
  replay() {
    this.#stopReplay();
    if (this.#strokes.length === 0) {
      return Promise.resolve(false);
    }
    const { times, durationMs } = this.replayTimeline();

    return new Promise((resolve) => {
      const replay = { times, visibleUntil: 0, frame: 0, resolve };
      this.#replay = replay;
      this.#canvas.dataset.replaying = 'true';
      const start = performance.now();

      const step = () => {
        const elapsed = performance.now() - start;
        replay.visibleUntil = elapsed;
        this.#redraw();
        if (elapsed >= durationMs) {
          this.#stopReplay(true);
          return;
        }
        replay.frame = requestAnimationFrame(step);
      };
      step();
    });
  }

  #stopReplay(finished = false) {
    const replay = this.#replay;
    if (replay === null) {
      return;
    }
    cancelAnimationFrame(replay.frame);
    this.#replay = null;
    delete this.#canvas.dataset.replaying;
    this.#redraw();
    replay.resolve(finished);
  }

  // Ends a stroke in progress and stops a replay, before the drawing is changed.
  #cancelInput() {
    if (this.#activePointerId !== null) {
      this.#endStroke();
    }
    this.#stopReplay();
  }

  #handlePointerDown = (event) => {
    // A second finger or pen while a stroke is in progress is ignored.
    if (this.#activePointerId !== null) {
      return;
    }
    if (event.pointerType === 'mouse' && event.button !== 0) {
      return;
    }
    event.preventDefault();
    this.#stopReplay();

    this.#activePointerId = event.pointerId;
    try {
      this.#canvas.setPointerCapture(event.pointerId);
    } catch {
      // The window listeners below still receive the stroke's events without capture.
    }
    window.addEventListener('pointermove', this.#handlePointerMove, { passive: false });
    window.addEventListener('pointerup', this.#handlePointerEnd, { passive: false });
    window.addEventListener('pointercancel', this.#handlePointerEnd, { passive: false });

    if (this.#space === null) {
      this.#space = { left: 0, top: 0, width: this.#cssWidth(), height: this.#cssHeight() };
    }
    this.#strokes.push({
      pointerType: event.pointerType,
      hasPressure: false,
      hasTilt: false,
      imported: false,
      samples: [],
    });
    this.#addSamples([event]);
    this.#onChange();
  };

  #handlePointerMove = (event) => {
    if (event.pointerId !== this.#activePointerId) {
      return;
    }
    event.preventDefault();

    // Browsers may merge the moves between two frames into one event, and getCoalescedEvents()
    // returns the merged samples with their own times. It may be missing or return an empty
    // list, and then the event itself is the only sample.
    const coalesced =
      typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    this.#addSamples(coalesced.length > 0 ? coalesced : [event]);
  };

  // Ends the stroke on pointerup and on pointercancel. A cancelled stroke keeps the samples
  // captured so far, because they were drawn and are shown as ink.
  #handlePointerEnd = (event) => {
    if (event.pointerId !== this.#activePointerId) {
      return;
    }
    event.preventDefault();

    if (event.type === 'pointerup') {
      this.#addSamples([event], { isPointerUp: true });
    }
    this.#endStroke();
    this.#onChange();
  };

  // Ends the stroke if the browser took the capture away without a pointerup or pointercancel.
  #handleLostCapture = (event) => {
    if (event.pointerId === this.#activePointerId) {
      this.#endStroke();
      this.#onChange();
    }
  };

  #endStroke() {
    window.removeEventListener('pointermove', this.#handlePointerMove);
    window.removeEventListener('pointerup', this.#handlePointerEnd);
    window.removeEventListener('pointercancel', this.#handlePointerEnd);

    const pointerId = this.#activePointerId;
    this.#activePointerId = null;
    if (this.#canvas.hasPointerCapture(pointerId)) {
      this.#canvas.releasePointerCapture(pointerId);
    }
    const stroke = this.#strokes[this.#strokes.length - 1];
    this.#finishChannels(stroke);
    // Drawn again in full, because the live drawing approximates the curve's end and may have
    // used another width before the pressure decision.
    this.#redraw();
  }

  // Decides which channels of a stroke are real readings. Pressure: never for a mouse, and not
  // when every sample before pointerup reports the same placeholder value. pointerup is left
  // out because it reports 0 on every device. Tilt: only for pens, and not when every sample
  // reports 0 for both angles, which is what pens without tilt sensors report.
  // NOTE: a real pen that reports exactly 0, 0.5 or 1 over a whole stroke, or exactly
  // perpendicular, is recorded as having no pressure or tilt. Real sensors practically never do.
  #finishChannels(stroke) {
    const pressures = stroke.samples
      .filter((sample) => !sample.isPointerUp)
      .map((sample) => sample.pressure);
    const constantPlaceholder =
      pressures.length === 0 ||
      (PLACEHOLDER_PRESSURES.includes(pressures[0]) &&
        pressures.every((pressure) => pressure === pressures[0]));
    stroke.hasPressure = stroke.pointerType !== 'mouse' && !constantPlaceholder;
    stroke.hasTilt =
      stroke.pointerType === 'pen' &&
      stroke.samples.some((sample) => sample.tiltX !== 0 || sample.tiltY !== 0);
  }

  // Updates the provisional pressure decision during capture, for the ink width. It decides
  // as #finishChannels would for the samples so far.
  #updatePressure(stroke, sample) {
    const first = stroke.samples[0];
    if (stroke.hasPressure || stroke.pointerType === 'mouse' || sample.isPointerUp) {
      return;
    }
    stroke.hasPressure =
      !PLACEHOLDER_PRESSURES.includes(first.pressure) || sample.pressure !== first.pressure;
  }

  // Appends samples to the current stroke and draws them. The pointerup sample is skipped when
  // it repeats the position of the previous one, which it usually does.
  #addSamples(events, { isPointerUp = false } = {}) {
    const stroke = this.#strokes[this.#strokes.length - 1];
    const rect = this.#canvas.getBoundingClientRect();
    const originX = rect.left + this.#canvas.clientLeft;
    const originY = rect.top + this.#canvas.clientTop;
    const view = this.#view();

    for (const event of events) {
      const previous = this.#lastSample();
      if (previous === null) {
        this.#timeOffset = 0;
      } else if (
        stroke.samples.length === 0 &&
        (this.#restartClock || event.timeStamp + this.#timeOffset < previous.t)
      ) {
        this.#timeOffset = previous.t + STROKE_GAP_MS - event.timeStamp;
      }
      this.#restartClock = false;
      const time = event.timeStamp + this.#timeOffset;
      const sample = {
        x: (event.clientX - originX - view.offsetX) / view.scale,
        y: (event.clientY - originY - view.offsetY) / view.scale,
        // The module needs time that never decreases, across strokes too.
        t: previous === null ? time : Math.max(time, previous.t),
        pressure: event.pressure,
        tiltX: event.tiltX ?? 0,
        tiltY: event.tiltY ?? 0,
        isPointerUp,
      };

      const last = stroke.samples[stroke.samples.length - 1];
      if (isPointerUp && last !== undefined && last.x === sample.x && last.y === sample.y) {
        continue;
      }
      stroke.samples.push(sample);
      this.#updatePressure(stroke, sample);
      this.#drawLatest(stroke);
    }
  }

  #lastSample() {
    for (let i = this.#strokes.length - 1; i >= 0; i -= 1) {
      const samples = this.#strokes[i].samples;
      if (samples.length > 0) {
        return samples[samples.length - 1];
      }
    }
    return null;
  }

  #cssWidth() {
    return Math.max(1, this.#canvas.clientWidth);
  }

  #cssHeight() {
    return Math.max(1, this.#canvas.clientHeight);
  }

  // Returns the rectangle around an imported drawing, with a margin, so that it fills the pad.
  #boundingSpace() {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const stroke of this.#strokes) {
      for (const sample of stroke.samples) {
        minX = Math.min(minX, sample.x);
        minY = Math.min(minY, sample.y);
        maxX = Math.max(maxX, sample.x);
        maxY = Math.max(maxY, sample.y);
      }
    }
    if (minX === Infinity) {
      return null;
    }
    // A drawing that is a single dot or a straight line still gets an area to fit.
    const size = Math.max(maxX - minX, maxY - minY, 1e-9);
    const margin = size * IMPORT_MARGIN;
    return {
      left: minX - margin,
      top: minY - margin,
      width: Math.max(maxX - minX, size * 0.01) + 2 * margin,
      height: Math.max(maxY - minY, size * 0.01) + 2 * margin,
    };
  }

  // Returns the mapping from sample coordinates to CSS pixels of the canvas: uniform scaling
  // of #space to fit the canvas, centred.
  #view() {
    if (this.#space === null) {
      return { scale: 1, offsetX: 0, offsetY: 0 };
    }
    const width = this.#cssWidth();
    const height = this.#cssHeight();
    const space = this.#space;
    const scale = Math.min(width / space.width, height / space.height);
    return {
      scale,
      offsetX: (width - space.width * scale) / 2 - space.left * scale,
      offsetY: (height - space.height * scale) / 2 - space.top * scale,
    };
  }

  #widthOf(stroke, sample) {
    return stroke.hasPressure ? MIN_WIDTH + WIDTH_RANGE * sample.pressure : INK_WIDTH;
  }

  // Draws the newest sample of a stroke during capture: the curve piece that the sample
  // completes, and a straight tail to the sample itself.
  #drawLatest(stroke) {
    const points = stroke.samples;
    const last = points.length - 1;
    if (last === 0) {
      this.#drawDot(stroke, points[0]);
      return;
    }
    if (last === 1) {
      this.#drawLine(stroke, points[0], midpoint(points[0], points[1]), points[0]);
    } else {
      this.#drawCurve(stroke, points, last - 1);
    }
    this.#drawLine(stroke, midpoint(points[last - 1], points[last]), points[last], points[last]);
  }

  // Draws a stroke, or its first `count` samples, as a smooth line: straight from the first
  // sample to the first midpoint, quadratic curves between midpoints with the samples as
  // control points, and straight to the last sample. Each piece takes the width of its sample,
  // so the width follows the pressure.
  #drawStroke(stroke, count = stroke.samples.length) {
    const points = stroke.samples;
    if (count === 1) {
      this.#drawDot(stroke, points[0]);
      return;
    }
    this.#drawLine(stroke, points[0], midpoint(points[0], points[1]), points[0]);
    for (let i = 1; i < count - 1; i += 1) {
      this.#drawCurve(stroke, points, i);
    }
    const last = count - 1;
    this.#drawLine(stroke, midpoint(points[last - 1], points[last]), points[last], points[last]);
  }

  // Draws the curve from the midpoint before points[i] to the one after it.
  #drawCurve(stroke, points, i) {
    const context = this.#context;
    const from = midpoint(points[i - 1], points[i]);
    const to = midpoint(points[i], points[i + 1]);
    context.lineWidth = this.#widthOf(stroke, points[i]) / this.#view().scale;
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.quadraticCurveTo(points[i].x, points[i].y, to.x, to.y);
    context.stroke();
  }

  #drawLine(stroke, from, to, widthSample) {
    const context = this.#context;
    context.lineWidth = this.#widthOf(stroke, widthSample) / this.#view().scale;
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }

  // Draws a one-sample stroke (a tap) as a dot, so that it stays visible.
  #drawDot(stroke, sample) {
    const context = this.#context;
    const radius = (this.#widthOf(stroke, sample) * 0.75) / this.#view().scale;
    context.beginPath();
    context.arc(sample.x, sample.y, radius, 0, 2 * Math.PI);
    context.fill();
  }

  // Sizes the canvas's pixel buffer to its CSS size times devicePixelRatio, so that ink is
  // sharp on high-density screens, and draws the strokes again because resizing clears it.
  #resizeBackingStore() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.#canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.#canvas.clientHeight * ratio));

    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    this.#redraw();
  }

  // Calls #resizeBackingStore whenever devicePixelRatio changes (browser zoom, or a window
  // moved to another screen). The media query matches only the current ratio, so it is
  // registered again after each change.
  #watchPixelRatio() {
    this.#resolutionQuery?.removeEventListener('change', this.#handleRatioChange);
    this.#resolutionQuery = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    this.#resolutionQuery.addEventListener('change', this.#handleRatioChange);
  }

  #handleRatioChange = () => {
    this.#watchPixelRatio();
    this.#resizeBackingStore();
  };

  // Clears the canvas and draws every stroke, or during a replay the samples up to its time.
  #redraw() {
    const context = this.#context;
    const ratio = window.devicePixelRatio || 1;
    const view = this.#view();

    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    context.setTransform(
      ratio * view.scale,
      0,
      0,
      ratio * view.scale,
      ratio * view.offsetX,
      ratio * view.offsetY,
    );
    context.lineCap = 'round';
    context.lineJoin = 'round';
    // The ink takes the canvas's CSS color, so the style sheet can change it for dark mode.
    context.strokeStyle = getComputedStyle(this.#canvas).color;
    context.fillStyle = context.strokeStyle;

    const replay = this.#replay;
    for (const [index, stroke] of this.#strokes.entries()) {
      let count = stroke.samples.length;
      if (replay !== null) {
        const times = replay.times[index];
        count = 0;
        while (count < times.length && times[count] <= replay.visibleUntil) {
          count += 1;
        }
      }
      if (count === 0) {
        break;
      }
      this.#drawStroke(stroke, count);
    }
  }
}

function midpoint(a, b) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
