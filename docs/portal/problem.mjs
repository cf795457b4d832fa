// CartableError is an error answer (application/problem+json). code is stable, for
// programs; title is a sentence for people (French, or English with Accept-Language:
// en); fields gives the context, fields.field the input at fault in an
// invalid_request. In a module of its own, with no Node in it, for browsers too.
export class CartableError extends Error {
  constructor(problem) {
    const field = problem.fields?.field ? ` (field: ${problem.fields.field})` : "";
    super(`${problem.status} ${problem.code}: ${problem.detail || problem.title}${field}`);
    this.name = "CartableError";
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.fields = problem.fields ?? {};
  }
}
