// Presence's writes: each opens or closes a session or a participant in the
// `sessions` / `participants` tables and emits its event, inside the
// caller's transaction, so the row and the event commit together. The hub
// and the restart recovery both go through these, so the events read the
// same whichever path fired them.

import { and, eq } from "drizzle-orm";
import type { Tx } from "../db/client";
import { participants, sessions } from "../db/schema";
import type { Emit } from "../events/recorder";
import { newId } from "../ids";
import { type StoredUser, toUser } from "../modules/users/model";
import type { ClosedReason, LeftReason, Session } from "./state";

export function openSession(tx: Tx, emit: Emit, roomId: string, at: string): Session {
  const session = { id: newId("ses"), startedAt: at, peak: 0 };
  tx.insert(sessions).values({ id: session.id, roomId, startedAt: at, peakParticipants: 0 }).run();
  emit({
    type: "session.started",
    roomId,
    data: { sessionId: session.id, startedAt: at },
  });

  return session;
}

export interface Joining {
  roomId: string;
  session: Session;
  user: StoredUser;
  joinedAt: string;
  /** Participants in the room once this one has joined. */
  participantCount: number;
}

export function addParticipant(tx: Tx, emit: Emit, join: Joining): void {
  const { roomId, session, user } = join;
  tx.insert(participants)
    .values({
      roomId,
      userId: user.id,
      sessionId: session.id,
      joinedAt: join.joinedAt,
      user: JSON.stringify(user),
    })
    .run();
  if (join.participantCount > session.peak) {
    session.peak = join.participantCount;
    tx.update(sessions).set({ peakParticipants: session.peak }).where(eq(sessions.id, session.id)).run();
  }
  emit({
    type: "participant.joined",
    roomId,
    data: {
      user: toUser(user, true),
      sessionId: session.id,
      connectionCount: 1,
      participantCount: join.participantCount,
    },
  });
}

export interface Leaving {
  roomId: string;
  sessionId: string;
  user: StoredUser;
  /** Participants left in the room once this one has gone. */
  participantCount: number;
  reason: LeftReason;
}

export function removeParticipant(tx: Tx, emit: Emit, leave: Leaving): void {
  tx.delete(participants)
    .where(and(eq(participants.roomId, leave.roomId), eq(participants.userId, leave.user.id)))
    .run();
  emit({
    type: "participant.left",
    roomId: leave.roomId,
    data: {
      user: toUser(leave.user, false),
      sessionId: leave.sessionId,
      participantCount: leave.participantCount,
      reason: leave.reason,
    },
  });
}

export interface Closing {
  roomId: string;
  sessionId: string;
  startedAt: string;
  peak: number;
  closedAt: string;
  reason: ClosedReason;
}

export function closeSession(tx: Tx, emit: Emit, close: Closing): void {
  tx.update(sessions)
    .set({ closedAt: close.closedAt, closeReason: close.reason, peakParticipants: close.peak })
    .where(eq(sessions.id, close.sessionId))
    .run();
  emit({
    type: "session.closed",
    roomId: close.roomId,
    data: {
      sessionId: close.sessionId,
      startedAt: close.startedAt,
      closedAt: close.closedAt,
      durationMs: Math.max(0, Date.parse(close.closedAt) - Date.parse(close.startedAt)),
      peakParticipants: close.peak,
      reason: close.reason,
    },
  });
}

/** Keeps the user a participant row carries current after a PATCH. */
export function refreshParticipantUser(tx: Tx, user: StoredUser): void {
  tx.update(participants)
    .set({ user: JSON.stringify(user) })
    .where(and(eq(participants.roomId, user.roomId), eq(participants.userId, user.id)))
    .run();
}
