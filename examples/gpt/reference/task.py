"""The synthetic tasks of examples/gpt/task.ts, in Python: the same seeds give the same problems and batches."""


def generator(seed):
    """mulberry32, as task.ts."""
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def next_u32():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return (t ^ (t >> 14)) & 0xFFFFFFFF

    return next_u32


class Task:
    def __init__(self, name, length=None, digits=None):
        self.name = name
        if name == 'sort':
            self.length = length or 6
            self.digits = digits or 3
            self.vocab = self.digits
            self.prompt_length = self.answer_length = self.length
            self.count = self.digits ** self.length
        elif name == 'add':
            self.digits = digits or 2
            self.vocab = 10
            self.prompt_length = 2 * self.digits
            self.answer_length = self.digits + 1
            self.count = 10 ** (2 * self.digits)
        else:
            raise ValueError(f'unknown task {name}')

    def sequence(self, i):
        if self.name == 'sort':
            prompt = [(i // self.digits ** k) % self.digits for k in range(self.length)]
            return prompt + sorted(prompt)
        base = 10 ** self.digits
        a, b = i // base, i % base

        def to_digits(v, n):
            return [(v // 10 ** (n - 1 - k)) % 10 for k in range(n)]

        return to_digits(a, self.digits) + to_digits(b, self.digits) + to_digits(a + b, self.digits + 1)[::-1]


def split_problems(task, seed, test_fraction=0.2):
    ids = list(range(task.count))
    nxt = generator(seed)
    for i in range(len(ids) - 1, 0, -1):
        j = nxt() % (i + 1)
        ids[i], ids[j] = ids[j], ids[i]
    n_test = min(1000, max(1, int(task.count * test_fraction)))
    return ids[n_test:], ids[:n_test]


def make_batch(task, ids):
    """(inputs [batch][T], targets [batch][answer_length]) as lists."""
    t = task.prompt_length + task.answer_length - 1
    inputs, targets = [], []
    for i in ids:
        s = task.sequence(i)
        inputs.append(s[:t])
        targets.append(s[task.prompt_length:])
    return inputs, targets


def batch_sampler(train, batch, seed):
    nxt = generator(seed)
    return lambda: [train[nxt() % len(train)] for _ in range(batch)]
