/**
 * HTML helpers shared by the server-rendered pages and the invitation email.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
};

/**
 * Django's `escape()` (django/utils/html.py), which authentik's templates apply to every
 * variable: the same five characters and the same entities, so a rendered value reads as
 * authentik's does, in an element's text or inside a quoted attribute.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** authentik's NotFoundView page, for an unknown URL or an unknown flow. */
export const NOT_FOUND_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Not Found</title></head>' +
  '<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>';
