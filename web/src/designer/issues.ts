// Validation issues, placed on the canvas: each issue belongs to a node of the drawn (top-level)
// flow when it names one, or when its path lies under one (a container's inner node, an edge).

import { ApiError } from "../api";
import type { Issue, JobDocument } from "./types";

export interface NodeIssues {
  errors: number;
  warnings: number;
  messages: string[];
}

/** The drawn node an issue is about, or null (the job as a whole). */
export function nodeOfIssue(doc: JobDocument, issue: Issue): string | null {
  if (issue.node && doc.nodes.some((node) => node.id === issue.node)) return issue.node;
  const nodeAt = /^nodes\[(\d+)\]/.exec(issue.path);
  if (nodeAt) return doc.nodes[Number(nodeAt[1])]?.id ?? null;
  const edgeAt = /^edges\[(\d+)\]/.exec(issue.path);
  if (edgeAt) return doc.edges?.[Number(edgeAt[1])]?.from ?? null;
  return null;
}

/** The issues of each drawn node. */
export function issuesByNode(doc: JobDocument, issues: Issue[]): Record<string, NodeIssues> {
  const found: Record<string, NodeIssues> = {};
  for (const issue of issues) {
    const id = nodeOfIssue(doc, issue);
    if (id === null) continue;
    const entry = (found[id] ??= { errors: 0, warnings: 0, messages: [] });
    if (issue.severity === "error") entry.errors++;
    else entry.warnings++;
    entry.messages.push(issue.message);
  }
  return found;
}

const PROBLEM = /^((?:nodes|edges|inputs|outputs|variables|settings|name|description)[^\s:]*): (.*)$/s;

/**
 * The problems of a document the Design Server cannot read (400 invalid_job_document: "the job
 * document is not valid: nodes[1].argv: ...; edges[0].to: ..."), as issues; null for other errors.
 */
export function documentProblems(error: unknown): Issue[] | null {
  if (!(error instanceof ApiError) || error.code !== "invalid_job_document") return null;
  const text = error.detail.replace(/^the job document is not valid: /, "");
  const issues: Issue[] = [];
  for (const part of text.split("; ")) {
    const match = PROBLEM.exec(part);
    if (match) {
      const [, path, message] = match;
      issues.push({ code: "invalid_document", message, node: null, path, severity: "error" });
    } else if (issues.length > 0) {
      issues[issues.length - 1].message += `; ${part}`;
    } else {
      issues.push({ code: "invalid_document", message: part, node: null, path: "", severity: "error" });
    }
  }
  return issues;
}
