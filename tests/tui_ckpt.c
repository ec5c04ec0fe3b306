/* Not a test: writes the ric-tui test checkpoint (tests/tui_fixture.h) for
 * the screen tests.  tui_ckpt DIR [POSITIONS [EOS [MODEL_TYPE]]] */
#include "config.h"

#include "tests/tui_fixture.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: tui_ckpt DIR [POSITIONS [EOS [MODEL_TYPE]]]\n");
		return 2;
	}
	struct status st = STATUS_INIT;
	const char *src = getenv("top_srcdir");
	if (tui_fixture_make_type(argv[1], src ? src : RIC_SRCDIR, argc > 2 ? atoi(argv[2]) : 256,
	                          argc > 3 ? atoi(argv[3]) : 1, argc > 4 ? argv[4] : NULL,
	                          &st) != STATUS_OK) {
		fprintf(stderr, "tui_ckpt: %s\n", st.msg);
		return 1;
	}
	return 0;
}
