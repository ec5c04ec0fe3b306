/* tui_line: readline inside a curses screen, through readline's callback
 * interface, so generation keeps streaming while the user types.
 *
 *   tui_line_init(history_files, complete_fn, ctx);  // once, after screen_open
 *   tui_line_open(":", "set ", TUI_LINE_HIST_COMMAND, 1); // prompt, text, history, Tab
 *   while (tui_line_active()) {
 *       int c = getch();                             // keypad off while active: raw bytes
 *       tui_line_feed(c);                            // readline edits, completes, history
 *       tui_line_draw(stdscr, y, x, w);              // the prompt and the line, cursor placed
 *   }
 *   char *text = tui_line_take();                    // the accepted line (free it), or NULL
 *   tui_line_done();                                 // writes the history
 *
 * Readline never touches the terminal here: its output goes nowhere and
 * this module draws the line; completion lists go to tui_line_hint().
 * Esc alone cancels the line (an Esc followed by more bytes at once is a key
 * sequence and goes to readline).
 */
#ifndef RIC_SRC_TUI_LINE_H
#define RIC_SRC_TUI_LINE_H

#include <curses.h>

/* Completion: the candidates for the word at [start, end) of line, as a
 * NULL-terminated malloc'd array of malloc'd strings whose first entry is the
 * common prefix (readline's rl_completion_matches form), or NULL to complete
 * file names. */
typedef char **(*tui_line_complete_fn)(void *ctx, const char *line, const char *text, int start,
                                       int end);

/* Each kind of line has its own history (Up/Down); those with a file are
 * read at init and appended to as lines are accepted, like readline's. */
enum tui_line_hist {
	TUI_LINE_HIST_PROMPT,     /* the prompt editor: this session only */
	TUI_LINE_HIST_COMMAND,    /* the `:` line */
	TUI_LINE_HIST_FILTER,     /* Runs' filter */
	TUI_LINE_HIST_SEARCH,     /* Runs' search */
	TUI_LINE_HIST_OTHER,      /* tags, form fields: this session only */
	TUI_LINE_HIST_COUNT
};

/* files[h]: the history file of kind h, or NULL (not kept). */
void tui_line_init(const char *const files[TUI_LINE_HIST_COUNT], tui_line_complete_fn complete,
                   void *ctx);
void tui_line_done(void);

/* The text typed so far on the open line ("" when none is open). */
const char *tui_line_text(void);
/* Starts a line with prompt and initial text, its history, and Tab
 * completing through the complete function when complete is set. */
void tui_line_open(const char *prompt, const char *init, enum tui_line_hist history, int complete);
int tui_line_active(void);
/* Feeds one byte typed (Esc alone is the caller's to turn into tui_line_cancel). */
void tui_line_feed(int c);
/* Cancels the line. */
void tui_line_cancel(void);
/* The accepted line once the user pressed Enter (malloc'd), else NULL. */
char *tui_line_take(void);
/* True once after the line was cancelled. */
int tui_line_cancelled(void);

/* Draws the prompt and the text into row y from x, w cells wide, scrolled
 * so the cursor shows; leaves the curses cursor on it. */
void tui_line_draw(WINDOW *win, int y, int x, int w);
/* Completion candidates shown after a Tab with several matches ("" when none). */
const char *tui_line_hint(void);

#endif
