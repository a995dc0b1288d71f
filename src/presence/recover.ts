// Restart recovery. Presence lives in memory, so a process that died (or
// was stopped) left rows in `participants` and open rows in `sessions`
// behind. At start, before anyone can connect, each of them is closed with
// reason `server_restart` and its events fired: every participant's
// participant.left, then the room's session.closed. No session stays open
// forever, and a receiver sees every join matched by a leave.

import { asc, isNull } from "drizzle-orm";
import type { Herald } from "../context";
import { participants, sessions } from "../db/schema";
import { nowIso } from "../ids";
import { log } from "../log";
import type { StoredUser } from "../modules/users/model";
import { closeSession, removeParticipant } from "./records";

export function recoverPresence(herald: Herald): void {
  const openSessions = herald.db.select().from(sessions).where(isNull(sessions.closedAt)).all();
  const leftOver = herald.db
    .select()
    .from(participants)
    .orderBy(asc(participants.joinedAt), asc(participants.userId))
    .all();
  const roomIds = new Set([...openSessions.map((s) => s.roomId), ...leftOver.map((p) => p.roomId)]);

  for (const roomId of roomIds) {
    const closedAt = nowIso();
    const inRoom = leftOver.filter((p) => p.roomId === roomId);
    // One transaction per room: a room's events commit together, and a
    // failure in one room does not hold back the others.
    herald.events.transaction((tx, emit) => {
      inRoom.forEach((row, index) => {
        removeParticipant(tx, emit, {
          roomId,
          sessionId: row.sessionId,
          user: JSON.parse(row.user) as StoredUser,
          participantCount: inRoom.length - index - 1,
          reason: "server_restart",
        });
      });
      for (const session of openSessions.filter((s) => s.roomId === roomId)) {
        closeSession(tx, emit, {
          roomId,
          sessionId: session.id,
          startedAt: session.startedAt,
          peak: session.peakParticipants,
          closedAt,
          reason: "server_restart",
        });
      }
    });
  }
  if (roomIds.size > 0) {
    log.info("presence recovered after restart", {
      rooms: roomIds.size,
      sessions: openSessions.length,
      participants: leftOver.length,
    });
  }
}
