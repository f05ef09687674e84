/**
 * Lesson id → its component, loaded on first opening. Only lessons that work are listed here
 * (the Learn view shows exactly these); every component takes {@link LessonProps}.
 */
import type { Component } from 'svelte';
import type { DataState } from '../../lib/state/data.svelte';
import type { LearnState } from '../../lib/state/learn.svelte';

export interface LessonProps {
  learn: LearnState;
  data: DataState;
}

type LessonLoader = () => Promise<{ default: Component<LessonProps> }>;

export const LESSON_VIEWS: Record<number, LessonLoader> = {
  1: () => import('./Lesson1.svelte'),
  2: () => import('./Lesson2.svelte'),
  3: () => import('./Lesson3.svelte'),
  4: () => import('./Lesson4.svelte'),
  5: () => import('./Lesson5.svelte'),
  6: () => import('./Lesson6.svelte'),
  7: () => import('./Lesson7.svelte'),
};
