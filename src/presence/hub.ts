// The presence hub: who is connected to which room, right now. It turns
// connections into participants (one per user, however many connections),
// participants into sessions, and fires the events on the edges: the first
// connection of a user joins them, the last one closing starts a grace
// period after which they leave, and a room's first join and last leave
// open and close its session.
//
// All of it runs on the one JavaScript thread and every database write is
// synchronous, so a change to the memory state and its rows and events
// cannot interleave with another. Memory is changed at the end of the
// transaction's callback; the only thing that can still fail after that is
// the commit itself (a full disk), which would leave memory ahead of the
// database until the next restart's recovery settles it.

import type { Herald } from "../context";
import type { Emit } from "../events/recorder";
import type { Tx } from "../db/client";
import { nowIso } from "../ids";
import { log } from "../log";
import { fromRow, type StoredUser } from "../modules/users/model";
import { findUser } from "../modules/users/queries";
import { addParticipant, closeSession, openSession, refreshParticipantUser, removeParticipant } from "./records";
import {
  CLOSE,
  type ClosedReason,
  type Connection,
  type LeftReason,
  type Participant,
  type ParticipantView,
  type PresenceSocket,
  type RoomPresence,
  viewOf,
} from "./state";

const noop = () => {};

export class PresenceHub {
  private readonly rooms = new Map<string, RoomPresence>();
  private nextConnectionId = 1;
  private stopping = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly herald: Herald,
    readonly tokenSecret: Buffer,
  ) {}

  /** Starts pinging connections; see ping() for the timeout rule. */
  start(): void {
    this.heartbeat = setInterval(() => this.pingAll(), this.herald.config.pingIntervalMs);
  }

  isOnline(roomId: string, userId: string): boolean {
    return this.rooms.get(roomId)?.participants.has(userId) ?? false;
  }

  participantCount(roomId: string): number {
    return this.rooms.get(roomId)?.participants.size ?? 0;
  }

  activeSessionId(roomId: string): string | null {
    return this.rooms.get(roomId)?.session.id ?? null;
  }

  /** The room's participants in the order they joined. */
  participants(roomId: string): ParticipantView[] {
    const room = this.rooms.get(roomId);

    return room ? [...room.participants.values()].map(viewOf) : [];
  }

  /** Open connections and participants across all rooms, for /metrics. */
  totals(): { connections: number; participants: number; rooms: number } {
    let connections = 0;
    let participants = 0;
    for (const room of this.rooms.values()) {
      participants += room.participants.size;
      for (const participant of room.participants.values()) connections += participant.connections.size;
    }

    return { connections, participants, rooms: this.rooms.size };
  }

  /**
   * Adds an open socket. The user is read again here: they may have been
   * deleted between the token check and the upgrade.
   */
  connect(roomId: string, userId: string, socket: PresenceSocket): Connection | null {
    if (this.stopping) {
      socket.close(CLOSE.shuttingDown.code, CLOSE.shuttingDown.reason);
      return null;
    }
    const row = findUser(this.herald.db, roomId, userId);
    if (!row) {
      socket.close(CLOSE.userGone.code, CLOSE.userGone.reason);
      return null;
    }
    const connection: Connection = {
      id: this.nextConnectionId++,
      roomId,
      userId,
      socket,
      pongTimer: null,
      detached: false,
    };
    const participant = this.rooms.get(roomId)?.participants.get(userId);
    if (participant) {
      // A reconnect inside the grace period: the user never left.
      if (participant.graceTimer) clearTimeout(participant.graceTimer);
      participant.graceTimer = null;
      participant.connections.add(connection);
    } else {
      this.join(roomId, fromRow(row), connection);
    }
    log.debug("presence connection opened", { roomId, userId, connectionId: connection.id });
    this.broadcast(roomId);

    return connection;
  }

  /** A socket closed (or timed out). The user leaves after the grace period. */
  disconnect(connection: Connection, reason: "closed" | "timeout"): void {
    if (connection.detached) return;
    this.detach(connection);
    if (this.stopping) return;
    const { roomId, userId } = connection;
    const participant = this.rooms.get(roomId)?.participants.get(userId);
    if (!participant) return;
    participant.connections.delete(connection);
    log.debug("presence connection closed", { roomId, userId, connectionId: connection.id, reason });

    if (participant.connections.size === 0) {
      const grace = this.herald.config.presenceGraceMs;
      if (grace === 0) {
        this.leaveAfterGrace(roomId, userId, reason);
      } else {
        participant.graceTimer = setTimeout(() => this.leaveAfterGrace(roomId, userId, reason), grace);
      }
    }
    this.broadcast(roomId);
  }

  /** The peer answered a ping or sent anything: it is alive. */
  alive(connection: Connection): void {
    if (connection.pongTimer) clearTimeout(connection.pongTimer);
    connection.pongTimer = null;
  }

  /**
   * Removes a deleted user's participant inside the caller's transaction:
   * participant.left (user_deleted), then session.closed (all_left) when the
   * room is now empty. The returned function closes their sockets; call it
   * after the commit.
   */
  evictUser(tx: Tx, emit: Emit, roomId: string, userId: string): () => void {
    const room = this.rooms.get(roomId);
    const participant = room?.participants.get(userId);
    if (!room || !participant) return noop;
    const sockets = this.release(participant);
    this.writeLeave(tx, emit, room, participant, "user_deleted", "all_left");

    return () => {
      for (const socket of sockets) socket.close(CLOSE.userDeleted.code, CLOSE.userDeleted.reason);
      this.broadcast(roomId);
    };
  }

  /**
   * Removes every participant of a room being deleted, inside the caller's
   * transaction: each one's participant.left (room_deleted), then
   * session.closed (room_deleted). The returned function closes the sockets.
   */
  evictRoom(tx: Tx, emit: Emit, roomId: string): () => void {
    const room = this.rooms.get(roomId);
    if (!room) return noop;
    const sockets: PresenceSocket[] = [];
    for (const participant of [...room.participants.values()]) {
      sockets.push(...this.release(participant));
      this.writeLeave(tx, emit, room, participant, "room_deleted", "room_deleted");
    }

    return () => {
      for (const socket of sockets) socket.close(CLOSE.roomDeleted.code, CLOSE.roomDeleted.reason);
    };
  }

  /**
   * A user's fields changed: participants show the new ones, and the row a
   * restart would read is kept current. Returns the broadcast to run after
   * the commit.
   */
  userChanged(tx: Tx, user: StoredUser): () => void {
    const participant = this.rooms.get(user.roomId)?.participants.get(user.id);
    if (!participant) return noop;
    refreshParticipantUser(tx, user);
    participant.user = user;

    return () => this.broadcast(user.roomId);
  }

  /** A client message: `{ "type": "ping" }` is answered; others are ignored. */
  receive(connection: Connection, message: unknown): void {
    this.alive(connection);
    if (typeof message === "object" && message !== null && (message as { type?: unknown }).type === "ping") {
      this.send(connection.socket, JSON.stringify({ type: "pong" }));
    }
  }

  /**
   * Closes every socket with 1001 and fires nothing: the rows stay, and the
   * next start's recovery closes them with `server_restart`.
   */
  shutdown(): void {
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const room of this.rooms.values()) {
      for (const participant of room.participants.values()) {
        for (const socket of this.release(participant)) {
          socket.close(CLOSE.shuttingDown.code, CLOSE.shuttingDown.reason);
        }
      }
    }
    this.rooms.clear();
  }

  private join(roomId: string, user: StoredUser, connection: Connection): void {
    const joinedAt = nowIso();
    this.herald.events.transaction((tx, emit) => {
      const existing = this.rooms.get(roomId);
      const session = existing?.session ?? openSession(tx, emit, roomId, joinedAt);
      const participantCount = (existing?.participants.size ?? 0) + 1;
      addParticipant(tx, emit, { roomId, session, user, joinedAt, participantCount });

      const room = existing ?? { roomId, session, participants: new Map() };
      room.participants.set(user.id, {
        user,
        joinedAt,
        connections: new Set([connection]),
        graceTimer: null,
      });
      this.rooms.set(roomId, room);
    });
  }

  /** The grace period ran out with no reconnect. */
  private leaveAfterGrace(roomId: string, userId: string, reason: LeftReason): void {
    const room = this.rooms.get(roomId);
    const participant = room?.participants.get(userId);
    if (!room || !participant || participant.connections.size > 0) return;
    participant.graceTimer = null;
    try {
      this.herald.events.transaction((tx, emit) => {
        this.writeLeave(tx, emit, room, participant, reason, "all_left");
      });
    } catch (error) {
      log.error("presence leave failed", { roomId, userId, error: String(error) });
      return;
    }
    this.broadcast(roomId);
  }

  /** participant.left, and session.closed when it was the last one. */
  private writeLeave(
    tx: Tx,
    emit: Emit,
    room: RoomPresence,
    participant: Participant,
    reason: LeftReason,
    closedReason: ClosedReason,
  ): void {
    const { roomId, session } = room;
    const participantCount = room.participants.size - 1;
    removeParticipant(tx, emit, {
      roomId,
      sessionId: session.id,
      user: participant.user,
      participantCount,
      reason,
    });
    if (participantCount === 0) {
      closeSession(tx, emit, {
        roomId,
        sessionId: session.id,
        startedAt: session.startedAt,
        peak: session.peak,
        closedAt: nowIso(),
        reason: closedReason,
      });
    }

    room.participants.delete(participant.user.id);
    if (room.participants.size === 0) this.rooms.delete(roomId);
  }

  /** Detaches a participant's connections and stops its timers. */
  private release(participant: Participant): PresenceSocket[] {
    if (participant.graceTimer) clearTimeout(participant.graceTimer);
    participant.graceTimer = null;
    const sockets = [...participant.connections].map((connection) => {
      this.detach(connection);
      return connection.socket;
    });
    participant.connections.clear();

    return sockets;
  }

  private detach(connection: Connection): void {
    connection.detached = true;
    this.alive(connection);
  }

  /**
   * Pings every connection that has no ping outstanding; one that has not
   * answered within pongTimeoutMs is dropped. A peer that vanished is thus
   * gone within pingIntervalMs + pongTimeoutMs, then the grace period.
   */
  private pingAll(): void {
    const { pongTimeoutMs } = this.herald.config;
    for (const room of this.rooms.values()) {
      for (const participant of room.participants.values()) {
        for (const connection of participant.connections) {
          if (connection.pongTimer) continue;
          try {
            connection.socket.ping();
          } catch {
            // A socket closing under us answers its own close event.
          }
          connection.pongTimer = setTimeout(() => this.timedOut(connection), pongTimeoutMs);
        }
      }
    }
  }

  private timedOut(connection: Connection): void {
    connection.pongTimer = null;
    if (connection.detached) return;
    log.info("presence connection timed out", {
      roomId: connection.roomId,
      userId: connection.userId,
      connectionId: connection.id,
    });
    // Disconnect first: terminating may run the close handler at once, and
    // that must not count as an ordinary close.
    this.disconnect(connection, "timeout");
    try {
      connection.socket.terminate();
    } catch {}
  }

  private broadcast(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const text = JSON.stringify({ type: "presence", participants: this.participants(roomId) });
    for (const participant of room.participants.values()) {
      for (const connection of participant.connections) this.send(connection.socket, text);
    }
  }

  private send(socket: PresenceSocket, text: string): void {
    try {
      socket.send(text);
    } catch {
      // The socket is closing; its close event cleans up.
    }
  }
}
