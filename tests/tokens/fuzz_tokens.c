/*
 * fuzz_tokens.c - fuzz target for the token file parsers (.hfc and .npy).
 *
 * LLVMFuzzerTestOneInput feeds the bytes to both parsers. Whatever parses must also
 * survive a write and a re-read unchanged, so the target checks more than "does not
 * crash". Built as a plain test, main() replays every file of the corpus
 * directories given; for coverage-guided fuzzing, build it with libFuzzer instead:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DHFC_FUZZ_WITH_LIBFUZZER -D_GNU_SOURCE \
 *     -Iinclude -Isrc/tokens tests/tokens/fuzz_tokens.c src/tokens/tokens_hfc.c \
 *     src/tokens/tokens_npy.c src/tokens/npy_header.c src/tokens/crc32.c \
 *     src/tokens/fail_text.c -o fuzz_tokens
 *   ./fuzz_tokens -max_total_time=300 tests/tokens/corpus
 *
 * New finds worth keeping go into tests/tokens/corpus/ (small files only).
 */
#include "tokens_hfc.h"
#include "tokens_npy.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The codebook size .npy tokens are checked against: the default model's. */
#define FUZZ_CODEBOOK_SIZE 1024

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tokens: %s\n", what);
    abort(); /* what libFuzzer reports as a crash, with the input saved */
}

static void check_hfc(const uint8_t *data, size_t n_bytes)
{
    hfc_token_header header;
    hfc_token *tokens;
    int64_t n_frames;
    char err[256];
    if (hfc_tokens_hfc_parse(data, n_bytes, &header, &tokens, &n_frames, err, sizeof err) != 0) {
        if (tokens != NULL || strchr(err, '\n') != NULL)
            fail(".hfc parse failed but returned tokens or a multi-line message");
        return;
    }
    uint8_t *again;
    size_t again_bytes;
    if (hfc_tokens_hfc_format(&header, tokens, n_frames, &again, &again_bytes, err,
                              sizeof err) != 0)
        fail(".hfc that parsed does not write back");
    /* The writer is canonical, so what parsed must come back byte for byte. */
    if (again_bytes != n_bytes || memcmp(again, data, n_bytes) != 0)
        fail(".hfc write-back differs from the input");
    free(again);
    free(tokens);
}

static void check_npy(const uint8_t *data, size_t n_bytes)
{
    hfc_token *tokens;
    int64_t n_frames;
    int n_codebooks;
    char err[256];
    if (hfc_tokens_npy_parse(data, n_bytes, FUZZ_CODEBOOK_SIZE, &tokens, &n_frames, &n_codebooks,
                             err, sizeof err) != 0) {
        if (tokens != NULL || strchr(err, '\n') != NULL)
            fail(".npy parse failed but returned tokens or a multi-line message");
        return;
    }
    uint8_t *again;
    size_t again_bytes;
    if (hfc_tokens_npy_format(tokens, n_frames, n_codebooks, FUZZ_CODEBOOK_SIZE, &again,
                              &again_bytes, err, sizeof err) != 0)
        fail(".npy that parsed does not write back");
    hfc_token *reread;
    int64_t reread_frames;
    int reread_codebooks;
    if (hfc_tokens_npy_parse(again, again_bytes, FUZZ_CODEBOOK_SIZE, &reread, &reread_frames,
                             &reread_codebooks, err, sizeof err) != 0)
        fail(".npy write-back does not parse");
    /* Many headers mean one array, so compare the tokens rather than the bytes. */
    if (reread_frames != n_frames || reread_codebooks != n_codebooks ||
        memcmp(reread, tokens, (size_t)(n_frames * n_codebooks) * sizeof *tokens) != 0)
        fail(".npy write-back holds different tokens");
    free(reread);
    free(again);
    free(tokens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n_bytes);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n_bytes)
{
    check_hfc(data, n_bytes);
    check_npy(data, n_bytes);
    return 0;
}

#ifndef HFC_FUZZ_WITH_LIBFUZZER

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "fuzz_tokens: cannot open %s\n", path);
        return -1;
    }
    size_t capacity = 1 << 16, n_bytes = 0;
    uint8_t *data = malloc(capacity);
    size_t n;
    while (data != NULL && (n = fread(data + n_bytes, 1, capacity - n_bytes, file)) > 0) {
        n_bytes += n;
        if (n_bytes == capacity) {
            uint8_t *grown = realloc(data, capacity *= 2);
            if (grown == NULL)
                free(data);
            data = grown;
        }
    }
    fclose(file);
    if (data == NULL)
        return -1;
    /* An exact-size copy, so that ASan catches a read one past the end. */
    uint8_t *exact = malloc(n_bytes > 0 ? n_bytes : 1);
    memcpy(exact, data, n_bytes);
    free(data);
    LLVMFuzzerTestOneInput(exact, n_bytes);
    /* Every prefix too: truncation is the commonest corruption. */
    for (size_t cut = 0; cut < n_bytes && cut < 4096; cut++) {
        uint8_t *prefix = malloc(cut > 0 ? cut : 1);
        memcpy(prefix, exact, cut);
        LLVMFuzzerTestOneInput(prefix, cut);
        free(prefix);
    }
    free(exact);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in directory, in name order; returns how many, or -1. */
static int replay_directory(const char *directory)
{
    DIR *dir = opendir(directory);
    if (dir == NULL)
        return replay_file(directory) == 0 ? 1 : -1;
    char *names[4096];
    int n_names = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && n_names < 4096) {
        if (entry->d_name[0] != '.')
            names[n_names++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, (size_t)n_names, sizeof names[0], compare_names);
    int n_replayed = 0, failed = 0;
    for (int i = 0; i < n_names; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        if (replay_file(path) == 0)
            n_replayed++;
        else
            failed = 1;
        free(names[i]);
    }
    return failed ? -1 : n_replayed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_tokens CORPUS_DIR_OR_FILE...\n");
        return 2;
    }
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int n = replay_directory(argv[i]);
        if (n < 0) {
            fprintf(stderr, "fuzz_tokens: could not replay %s\n", argv[i]);
            return 1;
        }
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "fuzz_tokens: the corpus is empty\n");
        return 1;
    }
    printf("fuzz_tokens: replayed %d inputs and all their prefixes\n", total);
    return 0;
}

#endif
