/* stopsig: one way to catch the signals that ask a process to stop.
 *
 *   static volatile sig_atomic_t stop;
 *   static void on_stop(int sig) { stop = sig; }
 *   stopsig_catch(on_stop, 1);      // INT, TERM, HUP now set `stop`
 *   ... work, checking `stop` between steps, cleaning up if set ...
 *   stopsig_catch(SIG_DFL, 0);      // back to the default
 *
 * `restart` chooses SA_RESTART: 1 where reads and writes should carry on
 * (the loop polls the flag), 0 where a blocking wait must return EINTR so
 * the flag is seen at once. */
#ifndef RIC_SRC_STOPSIG_H
#define RIC_SRC_STOPSIG_H

void stopsig_catch(void (*handler)(int), int restart);

#endif
