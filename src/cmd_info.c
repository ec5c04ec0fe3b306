/* ric info: where this ric reads its data and keeps its store. */
#include "config.h"

#include "src/cli.h"
#include "src/paths.h"

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

static int info_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_info = {
	.name = "info",
	.summary = "show the version, the data folder and the store in use",
	.usage = "ric info [--json]",
	.help = "Options:\n"
	        "  --json        print one JSON object\n",
	.run = info_run,
};

static int info_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_info, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_info, "unexpected argument '%s'", argv[optind]);

	const char *datadir = paths_datadir();
	char *store = paths_store(cli->store_opt);
	const char *threads = getenv("BLIS_NUM_THREADS");
	struct stat sb;
	int have_data = stat(datadir, &sb) == 0 && S_ISDIR(sb.st_mode);

	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:s?, s:s?}",
		                      "version", PACKAGE_VERSION, "datadir", datadir,
		                      "datadir_exists", have_data, "store", store,
		                      "blis_num_threads", threads);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(o);
	} else {
		printf("version   %s\n", PACKAGE_VERSION);
		printf("data      %s%s\n", datadir, have_data ? "" : "  (missing)");
		printf("store     %s\n", store ? store : "(no HOME: pass --store)");
		printf("threads   BLIS_NUM_THREADS=%s\n", threads ? threads : "(unset: BLIS default)");
	}
	free(store);
	return have_data ? CLI_OK : CLI_FAIL;
}
