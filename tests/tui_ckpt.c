/* Not a test: writes the ric-tui test checkpoint (tests/tui_fixture.h) for
 * the screen tests.  tui_ckpt DIR [POSITIONS [EOS]] */
#include "config.h"

#include "tests/tui_fixture.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: tui_ckpt DIR [POSITIONS [EOS]]\n");
		return 2;
	}
	struct status st = STATUS_INIT;
	const char *src = getenv("top_srcdir");
	if (tui_fixture_make(argv[1], src ? src : RIC_SRCDIR, argc > 2 ? atoi(argv[2]) : 256,
	                     argc > 3 ? atoi(argv[3]) : 1, &st) != STATUS_OK) {
		fprintf(stderr, "tui_ckpt: %s\n", st.msg);
		return 1;
	}
	return 0;
}
