// Lists page newest first; rows made in the same millisecond keep the
// order they were written in, and paging through them neither skips nor
// repeats one.

import { expect, test } from "bun:test";
import { startHerald } from "./harness";

test("thirty rooms made at once page out whole, in the order of the full list", async () => {
  await using herald = await startHerald();
  await Promise.all(Array.from({ length: 30 }, () => herald.api("POST", "/v1/rooms", {})));

  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await herald.api(
      "GET",
      `/v1/rooms?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
    );
    paged.push(...page.body.data.map((room) => room.id));
    cursor = page.body.nextCursor;
  } while (cursor);

  const whole = await herald.api("GET", "/v1/rooms?limit=100");
  expect(paged).toHaveLength(30);
  expect(new Set(paged).size).toBe(30);
  expect(whole.body.data.map((room: { id: string }) => room.id)).toEqual(paged);
});

test("deliveries written in one burst list in the order their events were published", async () => {
  await using herald = await startHerald();
  await herald.api("POST", "/v1/rooms", { id: "burst" });
  const hook = await herald.api("POST", "/v1/webhooks", { url: "http://127.0.0.1:9/refused" });
  const published: string[] = [];
  for (let i = 0; i < 15; i++) {
    published.push((await herald.api("POST", "/v1/events", { type: "app.tick", roomId: "burst", data: { i } })).body.id);
  }

  const listed = await herald.api("GET", `/v1/webhooks/${hook.body.id}/deliveries?limit=100`);
  expect(listed.body.data.map((d: { eventId: string }) => d.eventId)).toEqual(published.reverse());
});
