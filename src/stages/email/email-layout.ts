/**
 * The HTML frame every message Tessera sends shares: a heading, a column of rows with one
 * button, and the link spelled out for mail clients that do not show the button. Arguments
 * are HTML the caller has already escaped.
 */

/** A centred paragraph of the message's column. */
export function textRow(html: string, extraStyle = '', padding = '10px 0'): string {
  const style = `max-width: 300px; padding: ${padding}; color: #212124;${extraStyle ? ` ${extraStyle}` : ''}`;
  return `<tr><td align="center" style="${style}">${html}</td></tr>\n`;
}

/** The message's one button. */
export function buttonRow(url: string, label: string): string {
  return `<tr><td align="center"><a id="confirm" href="${url}" rel="noopener noreferrer" target="_blank" style="display: inline-block; padding: 12px 24px; background-color: #0066cc; color: #ffffff; text-decoration: none; border-radius: 4px;">${label}</a></td></tr>\n`;
}

export function emailHtml(parts: { title: string; heading: string; url: string; rows: string[] }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${parts.title}</title></head>
<body style="margin: 0; padding: 0; background-color: #f3f3f3; font-family: sans-serif;">
<table width="100%" border="0" cellpadding="0" cellspacing="0" role="presentation">
<tr><td align="center"><h1 style="color: #212124;">${parts.heading}</h1></td></tr>
<tr><td align="center">
<table border="0" role="presentation">
${parts.rows.join('')}</table>
</td></tr>
<tr><td align="center" style="padding: 20px; font-size: 12px; color: #212124;">If you cannot click the button above, please copy and paste the following URL into your browser:<br><a href="${parts.url}" rel="noopener noreferrer" target="_blank">${parts.url}</a></td></tr>
</table>
</body>
</html>
`;
}
