import assert from "node:assert/strict";
import { test } from "node:test";

import { errorOf, retryAfterSeconds } from "../../frontend/js/api.js";

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

test("a several_things refusal carries every joined prompt and its parts; any other error carries none", () => {
  const noHeaders = () => null;
  const parts = [{ text: "狗", english: "dog" }, { text: "猫", english: "cat" }];
  const more = [{ text: "桌子", english: "table" }, { text: "椅子", english: "chair" }];
  const body = (extra) => ({ error: { code: "several_things", message: "…", request_id: "r", ...extra } });
  const joined = [{ prompt: "狗和猫", parts }, { prompt: "桌子与椅子", parts: more }];
  const refused = errorOf(422, body({ joined }), noHeaders);
  assert.equal(refused.code, "several_things");
  assert.deepEqual(refused.joined, joined);
  // a body without usable parts (an older server, a proxy's page) gives no split to offer, not a broken one
  assert.equal(errorOf(422, body({}), noHeaders).joined, null);
  assert.equal(errorOf(422, body({ prompt: "狗和猫", parts }), noHeaders).joined, null);
  assert.equal(errorOf(422, body({ joined: [{ prompt: "狗和猫", parts: [] }] }), noHeaders).joined, null);
  assert.deepEqual(errorOf(422, body({ joined: [null, { prompt: "狗和猫", parts }] }), noHeaders).joined,
    [{ prompt: "狗和猫", parts }]);
  const other = errorOf(503, null, (name) => ({ "x-request-id": "r4", "retry-after": "5" })[name]);
  assert.equal(other.code, "unknown");
  assert.equal(other.requestId, "r4");
  assert.equal(other.retryAfter, 5);
  assert.equal(other.joined, null);
});
