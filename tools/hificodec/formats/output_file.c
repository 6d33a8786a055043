#include "output_file.h"

#include "error_text.h"
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one temporary file the signal handler removes; written before the handler can
 * see it, cleared before the file is renamed. */
static char pending_path[4096];
static volatile sig_atomic_t pending_set;
static int handlers_installed;

static void remove_pending_and_die(int signal_number)
{
    if (pending_set)
        unlink(pending_path);
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void install_handlers(void)
{
    if (handlers_installed)
        return;
    handlers_installed = 1;
    static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction action, old;
        memset(&action, 0, sizeof action);
        action.sa_handler = remove_pending_and_die;
        sigemptyset(&action.sa_mask);
        /* An ignored signal stays ignored (e.g. SIGHUP under nohup). */
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(fatal[i], &action, NULL);
    }
    signal(SIGXFSZ, SIG_IGN);
}

static void set_pending(const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if (path != NULL) {
        snprintf(pending_path, sizeof pending_path, "%s", path);
        pending_set = 1;
    } else {
        pending_set = 0;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int hfc_cli_output_open(hfc_cli_output *output, const char *path, char *err, size_t err_bytes)
{
    memset(output, 0, sizeof *output);
    output->path = path;
    install_handlers();
    struct stat st;
    if (hfc_cli_is_stdio(path)) {
        output->is_stdout = 1;
        output->file = stdout;
        output->seekable = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
                           lseek(STDOUT_FILENO, 0, SEEK_CUR) == 0;
        return 0;
    }
    const char *slash = strrchr(path, '/');
    int dir_chars = slash != NULL ? (int)(slash - path + 1) : 0;
    if (snprintf(output->temp_path, sizeof output->temp_path, "%.*s.%s.XXXXXX.part", dir_chars,
                 path, path + dir_chars) >= (int)sizeof output->temp_path)
        return hfc_cli_fail(err, err_bytes, "path too long");
    int fd = mkstemps(output->temp_path, 5);
    if (fd < 0) {
        int saved = errno;
        output->temp_path[0] = '\0';
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", strerror(saved));
    }
    set_pending(output->temp_path);
    /* mkstemp makes 0600; the output gets what a plain create would (0666 & ~umask). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || (output->file = fdopen(fd, "w+b")) == NULL) {
        int saved = errno;
        close(fd);
        hfc_cli_output_abort(output);
        return hfc_cli_fail(err, err_bytes, "cannot create: %s", strerror(saved));
    }
    output->seekable = 1;
    return 0;
}

int hfc_cli_output_commit(hfc_cli_output *output, char *err, size_t err_bytes)
{
    if (output->file == NULL)
        return hfc_cli_fail(err, err_bytes, "output not open");
    if (output->is_stdout) {
        output->file = NULL;
        if (fflush(stdout) != 0)
            return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(errno));
        return 0;
    }
    /* fflush and fclose report the errors of buffered writes: a full disk, EFBIG. */
    int ok = fflush(output->file) == 0;
    int saved = errno;
    ok = fclose(output->file) == 0 && ok;
    if (!ok && saved == 0)
        saved = errno;
    output->file = NULL;
    if (ok && rename(output->temp_path, output->path) != 0) {
        saved = errno;
        ok = 0;
        hfc_cli_output_abort(output);
        return hfc_cli_fail(err, err_bytes, "cannot rename the finished file into place: %s",
                            strerror(saved));
    }
    if (!ok) {
        hfc_cli_output_abort(output);
        return hfc_cli_fail(err, err_bytes, "write error: %s", strerror(saved));
    }
    set_pending(NULL);
    output->temp_path[0] = '\0';
    return 0;
}

void hfc_cli_output_abort(hfc_cli_output *output)
{
    if (output->file != NULL) {
        if (output->is_stdout)
            fflush(stdout);
        else
            fclose(output->file);
        output->file = NULL;
    }
    if (output->temp_path[0] != '\0') {
        unlink(output->temp_path);
        set_pending(NULL);
        output->temp_path[0] = '\0';
    }
}
