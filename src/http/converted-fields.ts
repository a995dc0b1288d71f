// Finds the field behind a failed string conversion. Elysia turns strings
// into numbers and booleans for number and boolean fields (every query and
// path value, and a JSON string sent for a number) in a transform that runs
// after validation. A string that converts but breaks the field's own rule
// (limit=0, or limit=%20, which converts to 0) fails there, and the error
// knows only the converted value and a copy of the field's schema: its part
// is "property" and its path is empty, so nothing says which field it was.
// The field is found again by converting each string of the request with
// its own field's schema, as Elysia did, and keeping the one that fails.
// No side effects on import beyond an empty registry.

import { type AnyElysia, getSchemaValidator, type TSchema } from "elysia";

const PARTS = ["params", "query", "body"] as const;

/** Each app by its store, the one object its request contexts share with it. */
const apps = new WeakMap<object, AnyElysia>();

/** Lets conversion errors of this app's routes be traced to their field. */
export function traceConversions(app: AnyElysia): void {
  apps.set(app.store, app);
}

/** Every string in a request part with its dotted path, depth first. */
function* stringsIn(value: unknown, path = ""): Generator<[string, string]> {
  if (typeof value === "string") {
    if (path) yield [path, value];
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, item] of Object.entries(value)) {
    yield* stringsIn(item, path ? `${path}.${key}` : key);
  }
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/** The schema of the field at `path`, through objects and unions of them. */
function fieldSchema(schema: SchemaNode | undefined, path: string[]): SchemaNode | undefined {
  if (!schema || path.length === 0) return schema;
  const [head, ...rest] = path;
  const direct = schema.properties?.[head as string];
  if (direct) return fieldSchema(direct, rest);
  for (const member of schema.anyOf ?? []) {
    const found = fieldSchema(member, path);
    if (found) return found;
  }

  return undefined;
}

function convertFails(schema: SchemaNode, text: string): boolean {
  try {
    getSchemaValidator(schema as TSchema).Decode(text);
    return false;
  } catch {
    return true;
  }
}

/** The part and dotted field whose string failed to convert, when it can be found. */
export function convertedField(context: {
  store: object;
  route: string;
  request: Request;
  [part: string]: unknown;
}): { on: string; field: string } | undefined {
  const app = apps.get(context.store);
  const route = app?.routes.find((r) => r.path === context.route && r.method === context.request.method);
  if (!route) return undefined;
  const hooks = route.hooks as Record<string, SchemaNode | undefined>;
  for (const on of PARTS) {
    for (const [field, text] of stringsIn(context[on])) {
      const schema = fieldSchema(hooks[on], field.split("."));
      if (schema && convertFails(schema, text)) return { on, field };
    }
  }

  return undefined;
}
