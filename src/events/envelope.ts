// The event envelope: identical in webhooks, workflows and the API.

export interface Envelope {
  id: string;
  type: string;
  timestamp: string;
  roomId: string;
  sequence: number;
  data: Record<string, unknown>;
}

export interface EventInput {
  type: string;
  roomId: string;
  data: Record<string, unknown>;
}

/** A consumer's filter: `events` empty means every type; `roomId` null every room. */
export interface EventFilter {
  events: readonly string[];
  roomId: string | null;
}

export function matches(filter: EventFilter, event: Pick<Envelope, "type" | "roomId">): boolean {
  if (filter.roomId !== null && filter.roomId !== event.roomId) return false;

  return filter.events.length === 0 || filter.events.includes(event.type);
}
