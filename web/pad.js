// Signature pad: captures pointer strokes on a canvas with Pointer Events and draws them as ink.
//
// Points are exported in the module's flat format, five numbers per sample:
// [x, y, t_ms, pressure, stroke_index]. x and y are CSS pixels from the canvas's top-left
// content corner, so they do not depend on devicePixelRatio. t_ms is the sample's own
// event.timeStamp. Pressure is kept only for pens and is NaN otherwise, because a mouse reports
// a fixed 0.5 while a button is down and touch pressure means different things on each device.

export const VALUES_PER_POINT = 5;

const INK_WIDTH = 2.5;
const PEN_MIN_WIDTH = 1.2;
const PEN_WIDTH_RANGE = 2.6;

export class SignaturePad {
  #canvas;
  #context;
  #onChange;

  // Each stroke is an array of samples { x, y, t, pressure }.
  #strokes = [];

  #activePointerId = null;
  #resolutionQuery = null;

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
    return this.#strokes.reduce((count, stroke) => count + stroke.length, 0);
  }

  get strokeCount() {
    return this.#strokes.length;
  }

  // Returns the drawing as a Float64Array of pointCount * VALUES_PER_POINT values.
  toPoints() {
    const values = new Float64Array(this.pointCount * VALUES_PER_POINT);
    let offset = 0;

    this.#strokes.forEach((stroke, strokeIndex) => {
      for (const sample of stroke) {
        values[offset] = sample.x;
        values[offset + 1] = sample.y;
        values[offset + 2] = sample.t;
        values[offset + 3] = sample.pressure;
        values[offset + 4] = strokeIndex;
        offset += VALUES_PER_POINT;
      }
    });
    return values;
  }

  clear() {
    if (this.#activePointerId !== null) {
      this.#endStroke();
    }
    this.#strokes = [];
    this.#redraw();
    this.#onChange();
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

    this.#activePointerId = event.pointerId;
    try {
      this.#canvas.setPointerCapture(event.pointerId);
    } catch {
      // The window listeners below still receive the stroke's events without capture.
    }
    window.addEventListener('pointermove', this.#handlePointerMove, { passive: false });
    window.addEventListener('pointerup', this.#handlePointerEnd, { passive: false });
    window.addEventListener('pointercancel', this.#handlePointerEnd, { passive: false });

    this.#strokes.push([]);
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
      this.#addSamples([event], { onlyIfMoved: true });
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
  }

  // Appends samples to the current stroke and draws them. With onlyIfMoved, a sample at the
  // position of the previous one is skipped (pointerup usually repeats the last move).
  #addSamples(events, { onlyIfMoved = false } = {}) {
    const stroke = this.#strokes[this.#strokes.length - 1];
    const rect = this.#canvas.getBoundingClientRect();
    const originX = rect.left + this.#canvas.clientLeft;
    const originY = rect.top + this.#canvas.clientTop;

    for (const event of events) {
      const previous = this.#lastSample();
      const sample = {
        x: event.clientX - originX,
        y: event.clientY - originY,
        // The module needs time that never decreases, across strokes too.
        t: previous === null ? event.timeStamp : Math.max(event.timeStamp, previous.t),
        pressure: event.pointerType === 'pen' ? event.pressure : Number.NaN,
      };

      const last = stroke[stroke.length - 1];
      if (onlyIfMoved && last !== undefined && last.x === sample.x && last.y === sample.y) {
        continue;
      }
      stroke.push(sample);
      this.#drawSegment(last, sample);
    }
  }

  #lastSample() {
    for (let i = this.#strokes.length - 1; i >= 0; i -= 1) {
      const stroke = this.#strokes[i];
      if (stroke.length > 0) {
        return stroke[stroke.length - 1];
      }
    }
    return null;
  }

  // Draws a line from `from` to `to`, or a dot at `to` when `from` is undefined (the first
  // sample of a stroke, so a tap stays visible).
  #drawSegment(from, to) {
    const context = this.#context;
    const width = Number.isFinite(to.pressure)
      ? PEN_MIN_WIDTH + PEN_WIDTH_RANGE * to.pressure
      : INK_WIDTH;

    context.fillStyle = context.strokeStyle;
    if (from === undefined) {
      context.beginPath();
      context.arc(to.x, to.y, width * 0.75, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    context.lineWidth = width;
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
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

  #redraw() {
    const context = this.#context;
    const ratio = window.devicePixelRatio || 1;

    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineCap = 'round';
    context.lineJoin = 'round';
    // The ink takes the canvas's CSS color, so the style sheet can change it for dark mode.
    context.strokeStyle = getComputedStyle(this.#canvas).color;

    for (const stroke of this.#strokes) {
      stroke.forEach((sample, i) => this.#drawSegment(stroke[i - 1], sample));
    }
  }
}
