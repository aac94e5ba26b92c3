import { ref } from 'vue';
import { InputError } from '../../../core/errors';

/**
 * Errors of a form, by field path (`email`, `smtp.port`): filled from an InputError,
 * and each cleared as soon as the person changes that field (inputs carry `name` = path).
 */
export function useFieldErrors() {
  const errors = ref<Record<string, string>>({});
  /** Shows every problem of an InputError at its field; returns false for any other error. */
  function show(error: unknown): boolean {
    if (!(error instanceof InputError)) return false;
    errors.value = Object.fromEntries(error.problems.map((problem) => [problem.path, problem.message]));
    return true;
  }
  /** Form `@input` handler: the changed field's error goes. */
  function clearFor(event: Event): void {
    const name = (event.target as HTMLInputElement).name;
    if (name in errors.value)
      errors.value = Object.fromEntries(Object.entries(errors.value).filter(([key]) => key !== name));
  }
  return { errors, show, clearFor };
}
