// The program catalog as GET /api/programs and GET /api/programs/{name} answer it
// (src/baton/api/routes/programs.py; the signature is ProgramSignature.to_json()).

export interface ProgramSummary {
  name: string;
  library: string;
  program: string;
  kind: "python" | "executable" | string;
  summary: string;
  services: string[];
}

export type ValueType =
  | "string"
  | "integer"
  | "number"
  | "boolean"
  | "date"
  | "datetime"
  | "list"
  | "object"
  | "null";

export interface Parameter {
  name: string;
  type: ValueType;
  items: ValueType | null;
  choices: (string | number | boolean)[];
  nullable: boolean;
  annotation: string;
  note: string;
  kind: string;
  required: boolean;
  has_default: boolean;
  default_known: boolean;
  default: unknown;
  description: string;
}

export interface Signature {
  has_main: boolean;
  parameters: Parameter[];
  returns: { type: ValueType; description: string } | null;
  summary: string;
  description: string;
  module_summary: string;
  is_async: boolean;
  accepts_extra: boolean;
  notes: string[];
}

export interface ProgramDetail extends ProgramSummary {
  signature: Signature | null;
  problem: string;
  broker: string;
}
