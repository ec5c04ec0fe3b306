/* ric info: where this ric reads its data and keeps its store. */
#include "config.h"

#include "src/cli.h"
#include "src/dist.h"
#include "src/paths.h"
#include "engine/cpu.h"

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

static int info_run(struct cli *cli, int argc, char **argv);

void cli_cpu_print(FILE *out, const char *indent)
{
	const struct cpu_info *c = cpu_info();
	fprintf(out, "%sfeatures  %s:%s%s%s%s%s%s%s%s\n", indent, c->vendor_name,
	        c->avx2 ? " avx2" : "", c->fma ? " fma" : "", c->avx512f ? " avx512f" : "",
	        c->avx512dq ? " avx512dq" : "", c->avx512bw ? " avx512bw" : "",
	        c->avx512vl ? " avx512vl" : "", c->vnni ? " avx512_vnni" : "",
	        c->bf16 ? " avx512_bf16" : "");
	fprintf(out, "%skernels   %s (%s)\n", indent, c->level_name, c->level_why);
	fprintf(out, "%sblis      %s (%s)\n", indent, c->blis_name, c->blis_why);
}

json_t *cli_cpu_json(void)
{
	const struct cpu_info *c = cpu_info();
	return json_pack("{s:s, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}, s:s, s:s, s:s, s:s, "
	                 "s:s, s:b}",
	                 "vendor", c->vendor_name, "features", "avx2", c->avx2, "fma", c->fma,
	                 "avx512f", c->avx512f, "avx512dq", c->avx512dq, "avx512bw", c->avx512bw,
	                 "avx512vl", c->avx512vl, "avx512_vnni", c->vnni, "avx512_bf16", c->bf16,
	                 "kernels", c->level_name, "kernels_why", c->level_why, "blis",
	                 c->blis_name, "blis_why", c->blis_why, "blis_own", c->blis_own,
	                 "blis_static", c->blis_static);
}

const struct cli_command cmd_info = {
	.name = "info",
	.summary = "show the version, the data folder and the store in use",
	.usage = "ric info [--cpu] [--json]",
	.help = "Options:\n"
	        "  --cpu         the CPU's features and the kernels chosen for it (our\n"
	        "                kernels' level and BLIS's context), with the reasons;\n"
	        "                RIC_CPU and RIC_BLIS force a choice\n"
	        "  --json        print one JSON object\n",
	.run = info_run,
};

static int info_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cpu", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, cpu = 0, c, exit_rc;
	while ((c = cli_next_option(&cmd_info, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': cpu = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_info, "unexpected argument '%s'", argv[optind]);

	if (cpu) {
		if (json) {
			json_t *o = cli_cpu_json();
			char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
			if (text)
				puts(text);
			free(text);
			json_decref(o);
		} else
			cli_cpu_print(stdout, "");
		return CLI_OK;
	}
	const char *datadir = paths_datadir();
	char *store = paths_store(cli->store_opt);
	const char *threads = getenv("BLIS_NUM_THREADS");
	struct stat sb;
	int have_data = stat(datadir, &sb) == 0 && S_ISDIR(sb.st_mode);

	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:b, s:i}",
		                      "version", PACKAGE_VERSION, "datadir", datadir,
		                      "datadir_exists", have_data, "store", store,
		                      "blis_num_threads", threads, "mpi", dist_built(),
		                      "ranks", dist_size());
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
		if (dist_built())
			printf("mpi       yes (rank %d of %d; mpirun -np N ric STAGE ...)\n", dist_rank(),
			       dist_size());
		else
			printf("mpi       no (configure --with-mpi)\n");
	}
	free(store);
	return have_data ? CLI_OK : CLI_FAIL;
}
