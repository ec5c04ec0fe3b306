/* paths: where ric finds its data files, its store, its config and its history.
 *
 *   char *db = paths_store(opt_store);          // --store, RIC_STORE, XDG default
 *   const char *share = paths_datadir();        // share/ in the build tree, or installed
 *   char *rc = paths_config_file("ricrc");      // $XDG_CONFIG_HOME/ric/ricrc
 *   free(db); free(rc);
 *
 * Returned char * are malloc'd (NULL when neither the variable nor HOME is set).
 */
#ifndef RIC_SRC_PATHS_H
#define RIC_SRC_PATHS_H

#include <stddef.h>

const char *paths_datadir(void);
char *paths_data_file(const char *name);
/* The running executable's path into buf (n bytes): 0, or -1 with errno set. */
int paths_self_exe(char *buf, size_t n);
/* "dir/name". */
char *paths_join(const char *dir, const char *name);
char *paths_store(const char *opt);
/* Whether paths_store(opt) is the XDG default (neither --store nor RIC_STORE):
 * only that store's folders are created when missing (STORE_MKDIR). */
int paths_store_default(const char *opt);
char *paths_config_file(const char *name);
char *paths_state_file(const char *name);

/* The XDG rule: $env/ric/name, else $HOME/home_rel/ric/name. */
char *paths_xdg(const char *env, const char *home_rel, const char *name);

#endif
