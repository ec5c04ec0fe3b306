/* texttable: aligned text tables for the ric CLI's human output (scripts use
 * --json). Not ui/table, which draws ric-tui's tables in curses.
 *
 *   struct texttable *t = texttable_new(3, "ID", "NAME", "STATUS");
 *   texttable_right(t, 0);                       // numbers align right
 *   texttable_add(t, "12", "sft-demo", "done");
 *   texttable_print(t, stdout);                  // header, then rows, columns padded
 *   texttable_free(t);
 *
 * Widths are terminal columns (wcwidth: CJK and emoji take two, combining
 * marks none), not bytes or characters; a cell's line breaks and tabs print
 * as spaces so a row stays one line.
 */
#ifndef RIC_SRC_TEXTTABLE_H
#define RIC_SRC_TEXTTABLE_H

#include <stdio.h>

struct texttable;

struct texttable *texttable_new(int ncols, ...);
void texttable_right(struct texttable *t, int col);
/* ncols cells; NULL prints as "-". */
void texttable_add(struct texttable *t, ...);
void texttable_print(const struct texttable *t, FILE *out);
size_t texttable_rows(const struct texttable *t);
void texttable_free(struct texttable *t);

#endif
