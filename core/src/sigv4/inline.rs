//! A list kept on the stack up to `N` items, on the heap after: signing a request with a handful
//! of headers allocates nothing for them.

use alloc::vec::Vec;

#[derive(Clone)]
pub(crate) struct InlineVec<T: Copy, const N: usize> {
    inline: [T; N],
    len: usize,
    spill: Vec<T>,
}

impl<T: Copy, const N: usize> InlineVec<T, N> {
    /// An empty list; `filler` only initializes unused slots.
    pub(crate) const fn new(filler: T) -> Self {
        Self {
            inline: [filler; N],
            len: 0,
            spill: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        if !self.spill.is_empty() {
            self.spill.push(item);
        } else if self.len < N {
            self.inline[self.len] = item;
            self.len += 1;
        } else {
            self.spill.reserve(N * 2);
            self.spill.extend_from_slice(&self.inline[..self.len]);
            self.spill.push(item);
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.spill.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_past_the_inline_capacity_in_order() {
        let mut list: InlineVec<u32, 3> = InlineVec::new(0);
        for i in 1..=7 {
            list.push(i);
            assert_eq!(list.as_slice(), (1..=i).collect::<Vec<_>>().as_slice());
        }
        list.as_mut_slice()[0] = 9;
        assert_eq!(list.as_slice()[0], 9);
    }
}
