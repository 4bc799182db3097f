"""The reference's network, as its script writes it: one nn.Sequential named `mode1` (so its
state_dict names are mode1.0.weight, mode1.0.bias, mode1.4.weight, …), LRN over 96 and 256
channels, 1000 outputs, PyTorch's default initialisation.

On a 2-D input PyTorch 1.x's Dropout2d drops single elements, like Dropout; newer PyTorch warns
and may read a 2-D input as one unbatched image, so Dropout is written here (the same masks'
distribution, the same state_dict)."""
import torch.nn as nn


class ReferenceAlexNet(nn.Module):
    def __init__(self, classes=1000, dropout=0.5):
        super().__init__()
        self.mode1 = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4, padding=2),       # 0
            nn.ReLU(),                                                   # 1
            nn.LocalResponseNorm(size=96, alpha=1e-4, beta=0.75, k=2),   # 2
            nn.MaxPool2d(kernel_size=3, stride=2),                       # 3
            nn.Conv2d(96, 256, kernel_size=5, padding=2),                # 4
            nn.ReLU(),                                                   # 5
            nn.LocalResponseNorm(size=256, alpha=1e-4, beta=0.75, k=2),  # 6
            nn.MaxPool2d(kernel_size=3, stride=2),                       # 7
            nn.Conv2d(256, 384, kernel_size=3, padding=1),               # 8
            nn.ReLU(),                                                   # 9
            nn.Conv2d(384, 384, kernel_size=3, padding=1),               # 10
            nn.ReLU(),                                                   # 11
            nn.Conv2d(384, 256, kernel_size=3, padding=1),               # 12
            nn.ReLU(),                                                   # 13
            nn.MaxPool2d(kernel_size=3, stride=2),                       # 14
            nn.Flatten(),                                                # 15
            nn.Linear(9216, 4096),                                       # 16
            nn.ReLU(),                                                   # 17
            nn.Dropout(dropout),                                         # 18
            nn.Linear(4096, 4096),                                       # 19
            nn.ReLU(),                                                   # 20
            nn.Dropout(dropout),                                         # 21
            nn.Linear(4096, classes),                                    # 22
        )

    def forward(self, x):
        return self.mode1(x)
