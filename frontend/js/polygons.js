// Masks -> COCO polygons on the page, drawn as the server draws them (function/sam3fn/core/encodings.py,
// mask_to_polygons), so a polygon download redraws to the very pixels the page shows: annotation tools edit
// polygons vertex by vertex, where an RLE mask can only be repainted. Pure: no DOM.
//
// A region's outline runs along its pixels' edges (pixel (x, y) covers [x, x + 1] x [y, y + 1]), traced on
// a grid of twice the resolution plus one where pixel (x, y) is the 3 x 3 block of cells centred on
// (2x + 1, 2y + 1): the grid is never built, a cell asks the (at most four) pixels whose blocks cover it.
// Following the cells 8-connected cuts each concave corner by a half-pixel diagonal; a simplification of a
// quarter pixel then keeps every pixel centre on its side through pycocotools' rasterisation, which
// tests/frontend/test_polygons.py checks against pycocotools itself.

// Clockwise on screen (y down), starting east.
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, 1, 1, 1, 0, -1, -1, -1];
const WEST = 4;
const TOLERANCE = 0.5; // grid cells: a quarter of a pixel, as the server's cv2.approxPolyDP(contour, 0.5)

/** A (h, w) row-major 0/1 mask -> COCO polygons [[x0, y0, x1, y1, ...], ...] shifted by (left, top): one per
 * 8-connected region, holes filled (a COCO polygon cannot cut one out), so that pycocotools redraws exactly
 * the mask with its holes filled. A lone pixel or a line one pixel wide gets its polygon too. */
export function maskPolygons(mask, w, h, left = 0, top = 0) {
  const W = w + 2; // padded by a pixel of background all round: the outside is connected, tracing stays inside
  const H = h + 2;
  const filled = fillHoles(mask, w, h);
  const seen = new Uint8Array(W * H);
  const stack = new Int32Array(W * H); // shared by every region's walk: each pixel is pushed at most once
  const polygons = [];
  for (let i = 0; i < W * H; i += 1) {
    if (!filled[i] || seen[i]) continue;
    // The first pixel of a region in raster order is its top-left one: its block's top-left cell is on the outline.
    const px = i % W;
    const py = (i - px) / W;
    const cells = trace(filled, W, H, 2 * px, 2 * py);
    const points = simplify(corners(cells));
    polygons.push(points.flatMap(([gx, gy]) => [gx / 2 - 1 + left, gy / 2 - 1 + top]));
    markRegion(filled, W, i, seen, stack);
  }
  return polygons;
}

/** The mask padded by one pixel, 1 wherever the padded outside cannot reach through 4-connected background. */
function fillHoles(mask, w, h) {
  const W = w + 2;
  const H = h + 2;
  const filled = new Uint8Array(W * H);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) if (mask[y * w + x]) filled[(y + 1) * W + x + 1] = 1;
  }
  // Flood the background from the padding's corner; whatever background it does not reach is a hole. Every
  // pixel is pushed at most once, so a typed stack of the frame's size never overflows (a 12 MP mask is
  // millions of pushes: an Array stack took several times as long).
  const outside = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  let top = 0;
  const visit = (j) => {
    if (!outside[j] && !filled[j]) {
      outside[j] = 1;
      stack[top++] = j;
    }
  };
  visit(0);
  while (top > 0) {
    const i = stack[--top];
    const x = i % W;
    if (x > 0) visit(i - 1);
    if (x < W - 1) visit(i + 1);
    if (i >= W) visit(i - W);
    if (i < W * (H - 1)) visit(i + W);
  }
  for (let i = 0; i < W * H; i += 1) filled[i] = outside[i] ? 0 : 1;
  return filled;
}

/** Mark the 8-connected region of `filled` holding pixel `start` in `seen`; `stack` has room for every pixel. */
function markRegion(filled, W, start, seen, stack) {
  // The region has no holes and the padding keeps it off the frame's edges, so no neighbour leaves the frame.
  const around = [-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1];
  let top = 0;
  seen[start] = 1;
  stack[top++] = start;
  while (top > 0) {
    const i = stack[--top];
    for (let k = 0; k < 8; k += 1) {
      const j = i + around[k];
      if (filled[j] && !seen[j]) {
        seen[j] = 1;
        stack[top++] = j;
      }
    }
  }
}

/** Is grid cell (gx, gy) covered by a filled pixel's block? Pixel x's block spans cells 2x .. 2x + 2. */
function cellOn(filled, W, H, gx, gy) {
  if (gx < 0 || gy < 0 || gx > 2 * W || gy > 2 * H) return false;
  const xs = gx % 2 ? [(gx - 1) / 2] : [gx / 2 - 1, gx / 2];
  const ys = gy % 2 ? [(gy - 1) / 2] : [gy / 2 - 1, gy / 2];
  for (const y of ys) {
    if (y < 0 || y >= H) continue;
    for (const x of xs) if (x >= 0 && x < W && filled[y * W + x]) return true;
  }
  return false;
}

/** The outline's cells, in order, by Moore-neighbour tracing from (sx, sy), the region's top-left cell (the
 * cell west of it is outside): around each cell clockwise from where the last step came from, to the first
 * cell on. Ends when the walk is about to repeat its first step. */
function trace(filled, W, H, sx, sy) {
  const cells = [];
  let x = sx;
  let y = sy;
  let back = WEST; // direction from the current cell to the outside cell the search starts after
  let first = -1;
  for (;;) {
    let d = -1;
    for (let k = 1; k <= 8; k += 1) {
      const e = (back + k) % 8;
      if (cellOn(filled, W, H, x + DX[e], y + DY[e])) {
        d = e;
        break;
      }
    }
    if (d < 0) return [[x, y]]; // cannot happen for a 3 x 3 block, kept so a bug cannot loop forever
    if (x === sx && y === sy) {
      if (first === d) return cells;
      if (first < 0) first = d;
    }
    cells.push([x, y]);
    // An outline visits a cell at most a few times; more than the grid holds would be a walk that never closes.
    if (cells.length > 4 * (2 * W + 1) * (2 * H + 1)) throw new Error("polygon tracing did not close");
    // The cell checked just before the one stepped to is outside: seen from the new cell, where the next search starts.
    const p = (d + 7) % 8;
    const ox = x + DX[p];
    const oy = y + DY[p];
    x += DX[d];
    y += DY[d];
    back = direction(ox - x, oy - y);
  }
}

function direction(dx, dy) {
  for (let d = 0; d < 8; d += 1) if (DX[d] === dx && DY[d] === dy) return d;
  throw new Error(`not a neighbour: ${dx}, ${dy}`);
}

/** The outline's cells reduced to those where it turns (OpenCV's CHAIN_APPROX_SIMPLE). */
function corners(cells) {
  const n = cells.length;
  if (n < 3) return cells;
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const [ax, ay] = cells[(i + n - 1) % n];
    const [bx, by] = cells[i];
    const [cx, cy] = cells[(i + 1) % n];
    if ((bx - ax) * (cy - by) - (by - ay) * (cx - bx) !== 0 || (bx - ax) * (cx - bx) + (by - ay) * (cy - by) < 0) {
      out.push(cells[i]);
    }
  }
  return out.length >= 3 ? out : cells;
}

/** Douglas-Peucker on a closed outline: no dropped point lies further than TOLERANCE from the segment that
 * replaces it. Split at the point furthest from the first, as OpenCV's approxPolyDP does for closed curves. */
function simplify(points) {
  const n = points.length;
  if (n <= 3) return points;
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i += 1) {
    const d = (points[i][0] - points[0][0]) ** 2 + (points[i][1] - points[0][1]) ** 2;
    if (d > best) {
      best = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  const ring = (i) => points[i % n];
  const spans = [[0, far], [far, n]];
  while (spans.length) {
    const [a, b] = spans.pop();
    let worst = -1;
    let at = -1;
    for (let i = a + 1; i < b; i += 1) {
      const d = segmentDistance(ring(i), ring(a), ring(b));
      if (d > worst) {
        worst = d;
        at = i;
      }
    }
    if (worst > TOLERANCE) {
      keep[at] = 1;
      spans.push([a, at], [at, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

function segmentDistance([px, py], [ax, ay], [bx, by]) {
  const vx = bx - ax;
  const vy = by - ay;
  const len = vx * vx + vy * vy;
  const s = len ? Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len)) : 0;
  return Math.hypot(px - ax - s * vx, py - ay - s * vy);
}
