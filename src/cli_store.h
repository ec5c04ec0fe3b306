/* cli_store: what the store commands share: opening the store, naming a run,
 * formatting times and numbers, writing JSON and CSV.
 *
 *   struct store *s;
 *   if (cli_store_open(cli, &s) != CLI_OK) return CLI_FAIL;   // message printed
 *   store_id run;
 *   if (cli_store_run(s, argv[optind], &run) != CLI_OK) { store_close(s); return CLI_FAIL; }
 *   char when[32];
 *   cli_store_time(when, sizeof when, r->created_ms);          // "2026-11-27 04:05:00"
 */
#ifndef RIC_SRC_CLI_STORE_H
#define RIC_SRC_CLI_STORE_H

#include "src/cli.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* The store of --store / RIC_STORE / XDG, created on first use. */
int cli_store_open(struct cli *cli, struct store **out);
/* RUN as an id, a unique name or a unique tag. */
int cli_store_run(struct store *s, const char *ref, store_id *out);

/* A run as a JSON object (id, name, stage, status, parent, times, error, tags). */
json_t *cli_store_run_json(struct store *s, const struct store_run *r);

/* Local time "YYYY-MM-DD HH:MM:SS"; "-" for 0. */
void cli_store_time(char *buf, size_t cap, int64_t ms);
/* "1h02m", "3.4s"; "-" when negative. */
void cli_store_duration(char *buf, size_t cap, int64_t ms);
/* Shortest text that reads back as the same double. */
void cli_store_double(char *buf, size_t cap, double v);

/* One JSON value per line (compact); frees it. */
int cli_store_json_line(FILE *out, json_t *v);
/* A JSON string of `text`; bytes that are not UTF-8 become U+FFFD. */
json_t *cli_store_json_text(const char *text);
json_t *cli_store_json_vec(const double *v, int n);
/* "[0.5,0.5]": a vector as one CSV or table cell. */
void cli_store_vec_text(char *buf, size_t cap, const double *v, int n);

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF,
 * or starts or ends with a space; quotes doubled. */
void cli_store_csv_field(FILE *out, const char *s);
/* A record: fields separated by commas, CRLF at the end. */
void cli_store_csv_row(FILE *out, int n, const char *const *fields);

#endif
