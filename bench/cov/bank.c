/*
 * bank.c: two tellers withdraw from the same account, each checking the
 * balance first and debiting afterwards, with the lock taken only around
 * the debit (check-then-act).
 *
 * BUG: the balance check is made outside the lock. The account holds 100
 * and each teller withdraws 60. If teller B reads the balance (100, enough)
 * after teller A's check but before A's debit, both debits go through and
 * the balance ends at -20: the final assert(balance >= 0) fails.
 * Interleaving: one preemption of A between its check and its debit, with
 * B running its check there. Easy: every strategy should find it within
 * tens of schedules.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

struct account {
  pthread_mutex_t lock;
  long balance;
  long withdrawn;
};

static struct account acct = {PTHREAD_MUTEX_INITIALIZER, 100, 0};

static int withdraw(struct account *a, long amount) {
  if (a->balance < amount) /* checked without the lock */
    return 0;
  pthread_mutex_lock(&a->lock);
  a->balance -= amount;
  a->withdrawn += amount;
  pthread_mutex_unlock(&a->lock);
  return 1;
}

static void *teller(void *arg) {
  long amount = (long)arg;
  if (!withdraw(&acct, amount))
    printf("teller: insufficient funds for %ld\n", amount);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, teller, (void *)60L);
  pthread_create(&b, NULL, teller, (void *)60L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert(acct.balance >= 0);
  assert(acct.balance + acct.withdrawn == 100);
  printf("balance %ld\n", acct.balance);
  return 0;
}
