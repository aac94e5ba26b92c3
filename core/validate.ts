import type { z } from 'zod';
import { InputError, formatPath, show, type Problem } from './errors';

/**
 * Parses `input` with `schema` and returns the parsed value.
 * @param prefix path prefix for messages, e.g. `campaign`.
 * @throws InputError with one {@link Problem} per zod issue, each naming the field
 *   path (`campaign.steps[0].send.time`) and the refused value.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new InputError(result.error.issues.map((issue) => toProblem(issue, prefix)));
}

function toProblem(issue: z.core.$ZodIssue, prefix: string): Problem {
  const path = formatPath(issue.path, prefix);
  const input = 'input' in issue ? issue.input : undefined;
  let message = issue.message;
  if (issue.code === 'invalid_type' && input === undefined) message = `is required (${issue.expected})`;
  else if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
    const type = input !== null && typeof input === 'object' && 'type' in input ? input.type : input;
    message = `${show(type)} is not a step type (use email, call, linkedin or custom)`;
  } else if (issue.code !== 'custom' && input !== '' && !message.includes(show(input)))
    message = `${message}; got ${show(input)}`;
  return { path, message };
}
