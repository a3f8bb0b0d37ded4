import assert from "node:assert/strict";
import { test } from "node:test";

import { retryAfterSeconds } from "../../frontend/js/api.js";

test("Retry-After reads as seconds, whether the server sent seconds or an HTTP date", () => {
  assert.equal(retryAfterSeconds("5"), 5);
  assert.equal(retryAfterSeconds("0"), 0);
  assert.equal(retryAfterSeconds(null), null); // no header: nothing says when to come back
  assert.equal(retryAfterSeconds(""), null);
  assert.equal(retryAfterSeconds("soon"), null);
  const inTen = new Date(Date.now() + 10_000).toUTCString(); // HTTP dates have whole seconds
  const seconds = retryAfterSeconds(inTen);
  assert.ok(seconds > 8 && seconds <= 10, String(seconds));
  assert.equal(retryAfterSeconds(new Date(Date.now() - 60_000).toUTCString()), 0); // a date passed: now
});
