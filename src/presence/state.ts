// The live presence state, held in memory by the hub: per room, its open
// session and its participants; per participant, their open connections.
// The `participants` and `sessions` tables mirror it only so that a new
// process can close what a previous one left open.

import { type StoredUser, toUser, type User } from "../modules/users/model";

/**
 * Client messages past this close the connection with 1009. Bun enforces it
 * (main.ts passes it as the server's maxPayloadLength), before any of our
 * code would buffer the message.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** What the hub needs of a WebSocket; the route adapts Bun's socket to it. */
export interface PresenceSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Drops the connection with no close handshake (for dead peers). */
  terminate(): void;
  ping(): void;
}

/**
 * Close codes Herald sends. 1001 and 1009 are RFC 6455's; the 4000 range is
 * the application's own (RFC 6455 section 7.4.2).
 */
export const CLOSE = {
  shuttingDown: { code: 1001, reason: "Herald is shutting down; reconnect shortly." },
  userDeleted: { code: 4000, reason: "The user was deleted." },
  roomDeleted: { code: 4001, reason: "The room was deleted." },
  userGone: { code: 4002, reason: "The user no longer exists." },
} as const;

export type LeftReason = "closed" | "timeout" | "user_deleted" | "room_deleted" | "server_restart";
export type ClosedReason = "all_left" | "room_deleted" | "server_restart";

export interface Connection {
  id: number;
  roomId: string;
  userId: string;
  socket: PresenceSocket;
  /** Set when a server ping is unanswered; fires the timeout. */
  pongTimer: ReturnType<typeof setTimeout> | null;
  /** Once true, nothing this connection does changes presence again. */
  detached: boolean;
}

export interface Participant {
  user: StoredUser;
  joinedAt: string;
  connections: Set<Connection>;
  /** Running while the user has no connection left, before they leave. */
  graceTimer: ReturnType<typeof setTimeout> | null;
}

export interface Session {
  id: string;
  startedAt: string;
  peak: number;
}

export interface RoomPresence {
  roomId: string;
  session: Session;
  participants: Map<string, Participant>;
}

/** A participant as the API and the WebSocket messages show it. */
export interface ParticipantView {
  user: User;
  connectionCount: number;
  joinedAt: string;
}

export function viewOf(participant: Participant): ParticipantView {
  return {
    user: toUser(participant.user, true),
    connectionCount: participant.connections.size,
    joinedAt: participant.joinedAt,
  };
}
