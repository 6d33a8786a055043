/* The main() of every fuzz target built as a plain test: it replays each file of a
 * corpus folder through the target's LLVMFuzzerTestOneInput, which must not fault
 * (CI also runs it under ASan+UBSan). With -fsanitize=fuzzer, libFuzzer's own main
 * is used instead and this file is left out. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 1;
    }
    int n_files = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
        size_t got = buf ? fread(buf, 1, size > 0 ? (size_t)size : 0, f) : 0;
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        n_files++;
    }
    closedir(dir);
    printf("replayed %d corpus files\n", n_files);
    return n_files > 0 ? 0 : 1;
}
