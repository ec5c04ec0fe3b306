/* table: aligned text tables for human output (scripts use --json).
 *
 *   struct table *t = table_new(3, "ID", "NAME", "STATUS");
 *   table_right(t, 0);                       // numbers align right
 *   table_add(t, "12", "sft-demo", "done");
 *   table_print(t, stdout);                  // header, then rows, columns padded
 *   table_free(t);
 *
 * Widths count characters (UTF-8), not bytes; a cell's line breaks and tabs
 * print as spaces so a row stays one line.
 */
#ifndef RIC_SRC_TABLE_H
#define RIC_SRC_TABLE_H

#include <stdio.h>

struct table;

struct table *table_new(int ncols, ...);
void table_right(struct table *t, int col);
/* ncols cells; NULL prints as "-". */
void table_add(struct table *t, ...);
void table_print(const struct table *t, FILE *out);
size_t table_rows(const struct table *t);
void table_free(struct table *t);

#endif
