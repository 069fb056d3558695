/*
 * tafel: the command-line client of tafeld.
 *
 * Like wg(8): a table of commands, each with its own file.  The global
 * option -d DIR comes before the command; each command parses its own
 * options after it.
 */
#include <err.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tafel/tafel.h"

static int	help_main(struct client *, int, char **);

static const struct command commands[] = {
	{ "init", init_main,
	    "tafel -d DIR init --org ORG --name NAME --role ROLE "
	    "--listen ENDPOINT\n"
	    "      [--endpoint PUBLIC_ENDPOINT] "
	    "(--passphrase-file FILE | --no-passphrase)\n"
	    "    Create this organisation's keys, member card and "
	    "configuration.\n" },
	{ "card", card_main,
	    "tafel -d DIR card\n"
	    "    Print this organisation's member card, to mail to the "
	    "table's coordinator.\n" },
	{ "id", id_main,
	    "tafel -d DIR id\n"
	    "    Print this organisation's id and fingerprint.\n" },
	{ "table", table_main,
	    "tafel -d DIR table draft --table ID --cards CARD... "
	    "--signers ORG[,ORG...]\n"
	    "      --threshold N -o FILE [--expires YYYY-MM-DD] [--rules FILE]\n"
	    "    Draft a new partner-table document from members' cards.\n"
	    "tafel -d DIR table draft --from CURRENT_FILE [--add-cards CARD...]\n"
	    "      [--remove ORG[,ORG...]] [--signers ORG[,ORG...]] "
	    "[--threshold N]\n"
	    "      [--rules FILE] [--expires YYYY-MM-DD] -o FILE\n"
	    "    Draft the next version (an amendment) of a table.\n"
	    "tafel -d DIR table sign FILE [--from CURRENT_FILE] "
	    "[--passphrase-file FILE]\n"
	    "    Sign a table document as one of its signers (or of the\n"
	    "    version it amends).\n"
	    "tafel table fingerprint FILE\n"
	    "    Print the fingerprint of a table document.\n"
	    "tafel -d DIR table adopt FILE [--expect FINGERPRINT]\n"
	    "    Hand a signed table document to the daemon (a new table needs\n"
	    "    --expect with the fingerprint checked by phone).\n"
	    "tafel -d DIR table show [TABLE] [--json]\n"
	    "tafel table show --file FILE [--json]\n"
	    "    Show a table in force (or a document, to review it).\n" },
	{ "case", case_main,
	    "tafel -d DIR case open --table ID --members ORG[,ORG...] "
	    "--pseudonym TEXT\n"
	    "      [--minor]\n"
	    "    Open a case and share it with these organisations (--minor:\n"
	    "    it concerns a minor; the table's rules may restrict it).\n"
	    "tafel -d DIR case list [--due] [--json]\n"
	    "    List the cases (--due: those whose review date has come).\n"
	    "tafel -d DIR case show CASE [--json]\n"
	    "    Show the timeline of one case.\n"
	    "tafel -d DIR case decide CASE --followup "
	    "none|latent|prominent|judicial\n"
	    "      --reason TEXT [--review YYYY-MM-DD]\n"
	    "    Record the follow-up the partner table decided on.\n"
	    "tafel -d DIR case members CASE [--add ORG[,ORG...]] "
	    "[--remove ORG[,ORG...]]\n"
	    "      [--reason TEXT]\n"
	    "    Change who takes part in a case (owner).\n"
	    "tafel -d DIR case reveal CASE --to ORG --reason TEXT\n"
	    "    Clear a member for the identity records of a case (owner).\n"
	    "tafel -d DIR case share-history CASE --to ORG\n"
	    "    Re-share the earlier events of a case with a member that\n"
	    "    joined later, as far as need-to-know allows.\n"
	    "tafel -d DIR case decline CASE --reason TEXT\n"
	    "    Decline to contribute to a case, with the reason.\n"
	    "tafel -d DIR case close CASE --reason TEXT\n"
	    "    Close a case.\n" },
	{ "record", record_main,
	    "tafel -d DIR record add CASE --category CATEGORY "
	    "[--to ORG[,ORG...]]\n"
	    "      [--text TEXT | --file FILE]\n"
	    "    Share a record in a case (without --text or --file: "
	    "read it from\n"
	    "    standard input; with --to only those organisations read it,\n"
	    "    the other members see that it exists).\n"
	    "tafel -d DIR record import CASE --category CATEGORY "
	    "[--to ORG[,ORG...]]\n"
	    "      [--jobs N] FILE...\n"
	    "    Share each file as one record, up to N (16; at most 64) "
	    "at once.\n"
	    "    Every file is checked first: if one cannot be a record, "
	    "they are\n"
	    "    named and nothing is shared.  Then one line a file, in "
	    "order:\n"
	    "    \"shared record ID from FILE\" on standard output, or why "
	    "not on\n"
	    "    standard error; exit 1 when any file was not shared.\n" },
	{ "audit", audit_main,
	    "tafel -d DIR audit checkpoint\n"
	    "    Print the latest signed checkpoint of the exchange log.\n"
	    "tafel -d DIR audit vkey\n"
	    "    Print the log's verifier key (name+hex8+base64).\n"
	    "tafel -d DIR audit export -o OUT\n"
	    "    Write the whole log, its checkpoints and tables to a bundle.\n"
	    "tafel audit verify OUT [--vkey VKEY]\n"
	    "    Check a bundle offline; names the first bad entry or "
	    "checkpoint.\n"
	    "tafel -d DIR audit prove INDEX\n"
	    "    Print a C2SP tlog-proof that entry INDEX is in the log.\n"
	    "tafel audit reconcile OUT_A OUT_B\n"
	    "    Check two partners' bundles against each other.\n"
	    "tafel -d DIR audit log [--case CASE] [--json]\n"
	    "    List the entries of the log (of one case).\n" },
	{ "peers", peers_main,
	    "tafel -d DIR peers [--json]\n"
	    "    Show every partner daemon: connected or not, last contact,\n"
	    "    how many items wait for it and since when.\n" },
	{ "status", status_main,
	    "tafel -d DIR status [--json]\n"
	    "    Show the daemon, its partner tables and its partners.\n" },
	{ "help", help_main,
	    "tafel help [COMMAND]\n"
	    "    Show this help, or the help of one command.\n" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
usage_print(FILE *fp, const char *name)
{
	const struct command *cmd;
	size_t i;

	if (name != NULL && (cmd = command_find(name)) != NULL) {
		fprintf(fp, "usage:\n%s", cmd->help);
		return;
	}
	fprintf(fp,
	    "usage: tafel [-d DIR] COMMAND [OPTIONS]\n"
	    "\n"
	    "Share case records with the partners of a LIVC-R partner "
	    "table.\n"
	    "DIR is your organisation's state directory "
	    "(default: $TAFEL_DIR).\n"
	    "\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "%s", commands[i].help);
	fprintf(fp,
	    "\n"
	    "tafel --version prints the version.  "
	    "See tafel(1) for the details.\n");
}

static int
help_main(struct client *c, int argc, char **argv)
{
	if (argc > 2)
		errx(EXIT_USAGE, "help takes at most one command name");
	if (argc == 2 && command_find(argv[1]) == NULL)
		errx(EXIT_USAGE, "unknown command '%s' (see: tafel help)",
		    argv[1]);
	usage_print(stdout, argc == 2 ? argv[1] : NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct client c;
	const struct command *cmd;
	const char *env;
	int i, rc;

	memset(&c, 0, sizeof(c));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-d") == 0) {
			if (c.dir != NULL)
				errx(EXIT_USAGE, "-d given twice");
			if (i + 1 == argc || argv[i + 1][0] == '\0')
				errx(EXIT_USAGE, "-d needs a directory");
			c.dir = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage_print(stdout, NULL);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tafel %s\n", TAFEL_VERSION);
			return 0;
		} else
			errx(EXIT_USAGE, "unknown option %s (see: tafel help)",
			    argv[i]);
	}
	if (i == argc) {
		usage_print(stderr, NULL);
		return EXIT_USAGE;
	}
	if ((cmd = command_find(argv[i])) == NULL)
		errx(EXIT_USAGE, "unknown command '%s' (see: tafel help)",
		    argv[i]);
	if (c.dir == NULL && (env = getenv("TAFEL_DIR")) != NULL &&
	    env[0] != '\0')
		c.dir = env;
	if (sodium_init() < 0)
		errx(1, "cannot initialise libsodium");

	rc = cmd->fn(&c, argc - i, argv + i);

	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "cannot write the output");
	return rc;
}
