// The microphone's samples, resampled to the live socket's rate (16 kHz for pcm16, 48 kHz for Opus) and cut into
// 20 ms frames; each frame goes to the page with its RMS level (the level meter). Runs on the audio thread.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { targetRate } = options.processorOptions;
    this.ratio = sampleRate / targetRate; // input samples per output sample
    this.frameSamples = Math.round(targetRate / 50);
    this.frame = new Float32Array(this.frameSamples);
    this.filled = 0;
    // Downsampling: the mean of each output sample's input samples (a box filter against aliasing).
    this.sum = 0;
    this.count = 0;
    this.phase = 0;
    // Upsampling: linear interpolation between the previous and the next input sample.
    this.position = 0;
    this.previous = 0;
  }

  push(value) {
    this.frame[this.filled++] = value;
    if (this.filled === this.frame.length) {
      let energy = 0;
      for (const v of this.frame) energy += v * v;
      const frame = this.frame;
      this.port.postMessage({ frame, level: Math.sqrt(energy / frame.length) }, [frame.buffer]); // detaches frame
      this.frame = new Float32Array(this.frameSamples);
      this.filled = 0;
    }
  }

  process(inputs) {
    const input = inputs[0]?.[0];
    if (!input) return true;
    if (this.ratio >= 1) {
      for (const x of input) {
        this.sum += x;
        this.count++;
        this.phase += 1;
        if (this.phase >= this.ratio) {
          this.push(this.sum / this.count);
          this.sum = 0;
          this.count = 0;
          this.phase -= this.ratio;
        }
      }
    } else {
      let t = this.position;
      const last = input.length - 1;
      while (t <= last) {
        const i = Math.floor(t);
        const f = t - i;
        const a = i < 0 ? this.previous : input[i];
        const b = i + 1 <= last ? input[i + 1] : a;
        this.push(a + (b - a) * f);
        t += this.ratio;
      }
      this.position = t - input.length;
      this.previous = input[last];
    }
    return true;
  }
}

registerProcessor('capture', CaptureProcessor);
