// Tiny sparklines of the cluster cards, drawn on a canvas (no axis, no legend).

export class Sparkline {
  constructor(canvas, max = 100, depth = 60) {
    this.canvas = canvas;
    this.max = max;
    this.depth = depth;
    this.values = [];
  }

  push(value) {
    this.values.push(Number(value) || 0);
    if (this.values.length > this.depth) this.values.shift();
    this.draw();
  }

  draw() {
    const { canvas, values } = this;
    const context = canvas.getContext("2d");
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    if (values.length < 2) return;
    context.strokeStyle = getComputedStyle(canvas).color;
    context.lineWidth = 1.5;
    context.beginPath();
    values.forEach((value, index) => {
      const x = (index / (this.depth - 1)) * width;
      const y = height - (Math.min(value, this.max) / this.max) * (height - 2) - 1;
      if (index === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    context.stroke();
  }
}
