/**
 * The one error type of the API, and the texts authentik (DRF) uses for it.
 *
 * DRF's default exception handler (authentik sets no custom EXCEPTION_HANDLER) renders a string
 * detail as `{"detail": "..."}` and a list or dict detail as-is; there is never a `code` key.
 * @see rest_framework/views.py exception_handler
 */

export type FieldErrors = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The exact JSON body to send. */
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'detail' in body ? String(body.detail) : `HTTP ${status}`);
  }

  static detail(status: number, detail: string, headers?: Record<string, string>): ApiError {
    return new ApiError(status, { detail }, headers);
  }

  /** 400 with DRF's `{field: [messages]}` / `non_field_errors` body. */
  static validation(errors: FieldErrors): ApiError {
    return new ApiError(400, errors);
  }

  static field(field: string, message: string): ApiError {
    return new ApiError(400, { [field]: [message] });
  }

  static nonField(message: string): ApiError {
    return new ApiError(400, { non_field_errors: [message] });
  }

  static notFound(detail: string = Messages.notFound): ApiError {
    return ApiError.detail(404, detail);
  }

  static forbidden(detail: string = Messages.permissionDenied): ApiError {
    return ApiError.detail(403, detail);
  }
}

/** DRF's and authentik's fixed English messages. */
export const Messages = {
  notFound: 'Not found.',
  invalidPage: 'Invalid page.',
  permissionDenied: 'You do not have permission to perform this action.',
  notAuthenticated: 'Authentication credentials were not provided.',
  tokenInvalid: 'Token invalid/expired',
  notAcceptable: 'Could not satisfy the request Accept header.',
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  nullNotAllowed: 'This field may not be null.',
  nullCharacters: 'Null characters are not allowed.',
  invalidUuidFilter: 'Enter a valid UUID.',
  invalidModelChoice: 'Select a valid choice. That choice is not one of the available choices.',
  invalidMultipleChoice: (value: string) =>
    `Select a valid choice. ${value} is not one of the available choices.`,
  invalidBoolean: 'Must be a valid boolean.',
  invalidString: 'Not a valid string.',
  invalidInteger: 'A valid integer is required.',
  invalidUuid: 'Must be a valid UUID.',
  invalidEmail: 'Enter a valid email address.',
  invalidSlug: 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.',
  /** DRF's own SlugField text (straight quotes); ModelSerializer drops Django's validate_slug for it. */
  invalidSlugField: 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
  invalidPattern: 'This value does not match the required pattern.',
  invalidDatetime:
    'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
  dictRequired: 'Value must be a dictionary, and not have any duplicate keys.',
  serverError: 'A server error occurred.',
  /** Django answers these before any view; the texts are Tessera's own. */
  uriTooLong: 'Request-URI too long.',
  malformedUrl: 'Malformed URL: invalid percent-encoding.',
  methodNotAllowed: (method: string) => `Method "${method}" not allowed.`,
  unsupportedMediaType: (type: string) => `Unsupported media type "${type}" in request.`,
  invalidChoice: (value: unknown) => `"${String(value)}" is not a valid choice.`,
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  maxValue: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  minValue: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
  notAList: (type: string) => `Expected a list of items but got type "${type}".`,
  expectedDict: (type: string) => `Invalid data. Expected a dictionary, but got ${type}.`,
  noDataProvided: 'No data provided',
  pkDoesNotExist: (pk: unknown) => `Invalid pk "${String(pk)}" - object does not exist.`,
  pkIncorrectType: (type: string) => `Incorrect type. Expected pk value, received ${type}.`,
  uniqueName: (model: string, field = 'name') => `${model} with this ${field} already exists.`,
  noMatch: (model: string) => `No ${model} matches the given query.`,
} as const;

/** Python's type name of a JSON value, as DRF messages print it. */
export function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    default:
      return 'dict';
  }
}
