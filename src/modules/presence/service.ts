// Reads of presence for the API (participants now, sessions past and
// present) and the token check the WebSocket route runs before upgrading.

import { and, eq } from "drizzle-orm";
import type { Herald } from "../../context";
import { sessions } from "../../db/schema";
import { HeraldError } from "../../http/errors";
import { after, decodeCursor, newestFirst, type Page, toPage } from "../../http/pagination";
import { presenceOf } from "../../presence";
import type { ParticipantView } from "../../presence/state";
import { readToken } from "../../presence/tokens";
import { requireRoom } from "../rooms/queries";
import { findUser } from "../users/queries";

const refuse = (message: string) => new HeraldError("unauthorized", message);

/**
 * Checks a client token for this room: signature, room, expiry, and that
 * its user still exists (the same user, not one made again with that id).
 */
export function authorizeConnect(herald: Herald, roomId: string, token: string | undefined) {
  if (!token) {
    throw refuse("A client token is required: connect with ?token=<token from POST /v1/rooms/:roomId/users/:userId/tokens>.");
  }
  const claims = readToken(presenceOf(herald).tokenSecret, token);
  if (!claims) throw refuse("The token is not valid. Ask your server for a new one.");
  if (claims.r !== roomId) throw refuse("The token was made for another room.");
  if (claims.e <= Date.now()) throw refuse("The token has expired. Ask your server for a new one.");
  const user = findUser(herald.db, roomId, claims.u);
  if (!user || user.createdAt !== claims.c) throw refuse("The token's user no longer exists.");

  return { roomId, userId: claims.u };
}

/** Who is online now, newest joiner first, paginated by (joinedAt, userId). */
export function listParticipants(
  herald: Herald,
  roomId: string,
  limit: number,
  cursor?: string,
): Page<ParticipantView> {
  requireRoom(herald.db, roomId);
  const from = decodeCursor(cursor);
  const all = presenceOf(herald)
    .participants(roomId)
    .sort((a, b) => cmp(b.joinedAt, a.joinedAt) || cmp(b.user.id, a.user.id))
    .filter(
      (p) => !from || p.joinedAt < from.at || (p.joinedAt === from.at && p.user.id < from.id),
    );

  return toPage(all.slice(0, limit + 1), limit, (p) => [p.joinedAt, p.user.id], (p) => p);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SessionView {
  id: string;
  roomId: string;
  startedAt: string;
  closedAt: string | null;
  /** So far, for the open session. */
  durationMs: number;
  peakParticipants: number;
  reason: string | null;
}

export function listSessions(herald: Herald, roomId: string, limit: number, cursor?: string): Page<SessionView> {
  requireRoom(herald.db, roomId);
  const rows = herald.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.roomId, roomId), after(decodeCursor(cursor), sessions.startedAt, sessions.id)))
    .orderBy(...newestFirst(sessions.startedAt, sessions.id))
    .limit(limit + 1)
    .all();
  const now = Date.now();

  return toPage(
    rows,
    limit,
    (row) => [row.startedAt, row.id],
    (row) => ({
      id: row.id,
      roomId: row.roomId,
      startedAt: row.startedAt,
      closedAt: row.closedAt,
      durationMs: Math.max(0, (row.closedAt ? Date.parse(row.closedAt) : now) - Date.parse(row.startedAt)),
      peakParticipants: row.peakParticipants,
      reason: row.closeReason,
    }),
  );
}

